"""What the shipped settings promise: an identified, robots-obeying crawler with no code-execution console."""
from types import SimpleNamespace

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole
from scrapy.utils.project import get_project_settings


@pytest.mark.parametrize("console", [RemoteControl, TelnetConsole], ids=lambda console: console.__name__)
def test_no_console_takes_code_from_outside_the_crawl(console):
    settings = get_project_settings()
    assert f"{console.__module__}.{console.__name__}" in settings.getwithbase("EXTENSIONS")   # loaded: must decline
    with pytest.raises(NotConfigured):
        console.from_crawler(SimpleNamespace(settings=settings))   # both read only the settings before declining


def test_the_crawler_names_itself_and_obeys_robots():
    settings = get_project_settings()
    assert "nianbao" in settings.get("USER_AGENT") and settings.get("NIANBAO_CONTACT_URL") in settings.get("USER_AGENT")
    assert settings.getbool("ROBOTSTXT_OBEY")
