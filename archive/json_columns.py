"""How JSON columns are written: UTF-8 as published, sorted keys, so rows diff and hash the same every time."""
from __future__ import annotations

import json


def to_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
