"""Which Chromium the JS-only path launches: the lightest Debian ships, or the one NIANBAO_CHROMIUM names."""
from __future__ import annotations

import os

CHROMIUM_BINARIES = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")   # Debian's, lightest first


def default_chromium(candidates=CHROMIUM_BINARIES) -> str:
    """The first Chromium installed (rendered.browser_usable warns, naming the path, when there is none)."""
    return next((path for path in candidates if os.access(path, os.X_OK)), candidates[0])


class BrowserAddon:
    """Launch the binary NIANBAO_CHROMIUM names however it was set (settings, env or -s), the one the spider
    checks: PLAYWRIGHT_LAUNCH_OPTIONS is built when settings.py is imported, before any -s applies."""

    def update_settings(self, settings) -> None:
        path = settings.get("NIANBAO_CHROMIUM")
        options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
        if path and options.get("executable_path") != path:
            priority = max(settings.getpriority(name) or 0 for name in ("PLAYWRIGHT_LAUNCH_OPTIONS", "NIANBAO_CHROMIUM"))
            settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {**options, "executable_path": path}, priority=priority)
