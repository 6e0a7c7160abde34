"""The browser's launch: its proxy follows the downloader's variables, its binary the one named or lightest."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.utils.project import get_project_settings

from crawler.browser_proxy import browser_proxy
from crawler.browser import BrowserAddon, default_chromium

CASES = [
    pytest.param({}, None, id="no-proxy"),
    pytest.param({"http": "http://10.0.0.2:3128", "no": "localhost,.internal"},
                 {"server": "http://10.0.0.2:3128", "bypass": "localhost,.internal"}, id="http-proxy-and-bypass"),
    pytest.param({"https": "http://10.0.0.3:8080"}, {"server": "http://10.0.0.3:8080", "bypass": ""},
                 id="only-https-proxy"),
    pytest.param({"http": "http://10.0.0.2:3128", "https": "http://10.0.0.3:8080"},
                 {"server": "http://10.0.0.2:3128", "bypass": ""}, id="http-wins-for-http-portals"),
    pytest.param({"http": "http://u%40lab:p%3Aw@10.0.0.2:3128"},
                 {"server": "http://10.0.0.2:3128", "bypass": "", "username": "u@lab", "password": "p:w"},
                 id="credentials-moved-out-of-url"),
    pytest.param({"http": "10.0.0.2:3128"}, {"server": "http://10.0.0.2:3128", "bypass": ""}, id="bare-host-port"),
    pytest.param({"http": "socks5://10.0.0.4:1080"}, {"server": "socks5://10.0.0.4:1080", "bypass": ""},
                 id="socks-kept"),
]


@pytest.mark.parametrize("proxies, expected", CASES)
def test_browser_proxy_option(proxies, expected):
    assert browser_proxy(proxies) == expected


def test_upper_case_variables_count_too(monkeypatch):
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.3:8080")
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    assert browser_proxy() == {"server": "http://10.0.0.3:8080", "bypass": "example.invalid"}


def executable(path: Path) -> str:
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_the_headless_shell_is_the_default_browser_where_both_are_installed(tmp_path):
    shell, full = executable(tmp_path / "chromium-headless-shell"), executable(tmp_path / "chromium")
    assert default_chromium((shell, full)) == shell


def test_full_chromium_is_used_when_the_headless_shell_is_absent(tmp_path):
    full = executable(tmp_path / "chromium")
    assert default_chromium((str(tmp_path / "chromium-headless-shell"), full)) == full


def test_with_no_browser_installed_the_lightest_is_named_for_the_warning(tmp_path):
    shell, full = str(tmp_path / "chromium-headless-shell"), str(tmp_path / "chromium")
    assert default_chromium((shell, full)) == shell


def test_chromium_set_on_the_command_line_is_the_one_launched(tmp_path):
    settings = get_project_settings()
    chosen = executable(tmp_path / "chrome")
    settings.set("NIANBAO_CHROMIUM", chosen, priority="cmdline")
    BrowserAddon().update_settings(settings)
    options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert options["executable_path"] == chosen
    assert "--no-sandbox" in options["args"]        # the other launch options are kept
