"""Scrapy settings for nianbao: polite defaults for government servers, our stages, our switches."""
import os

BOT_NAME = "nianbao"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- nianbao's own settings (each is listed in the README) -------------------------------------
# Where the SQLite archive lives; overridable with -s NIANBAO_DB=PATH or the NIANBAO_DB env var.
NIANBAO_DB = os.environ.get("NIANBAO_DB", "nianbao.db")
# Allow fetching loopback/private/link-local addresses (tests and `nianbao demo` only).
NIANBAO_ALLOW_PRIVATE_HOSTS = False
# How many links deep from a portal's home page discovery may go, and how many pages per portal.
NIANBAO_MAX_DEPTH = 4
NIANBAO_MAX_PAGES_PER_PORTAL = 300
# Contact address named in the User-Agent so webmasters can reach the operator.
NIANBAO_CONTACT_URL = os.environ.get("NIANBAO_CONTACT_URL", "https://github.com/nianbao/nianbao")

# --- Scrapy, grouped like its defaults ----------------------------------------------------------
# Proxies come from the standard http_proxy/https_proxy/no_proxy environment variables
# (HttpProxyMiddleware); with a proxy, host names are resolved by the proxy, not locally.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Many hosts at once (politeness is per host, below); thousands of portals make breadth the bottleneck.
CONCURRENT_REQUESTS = 32
# 集约化 platforms put hundreds of sites on one host: never more than 2 requests at a time per host.
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay is 0.5–1.5 × DOWNLOAD_DELAY

DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60

DOWNLOADER_MIDDLEWARES = {
    # After HttpProxyMiddleware (750), so a proxied request is not resolved locally.
    "crawler.middlewares.PrivateHostGuardMiddleware": 760,
}

# Spam comes off the DOM before the main text is chosen: hidden 暗链 and after-</html> junk must
# never steer container selection (see pipelines/spam.py).
ITEM_PIPELINES = {
    "pipelines.encoding.DecodePipeline": 100,
    "pipelines.spam.SpamStripPipeline": 200,
    "pipelines.extraction.MainTextPipeline": 300,
    "pipelines.metadata.MetadataPipeline": 400,
    "pipelines.storage.ArchivePipeline": 900,   # always last
}

LOG_LEVEL = "INFO"
REDIRECT_MAX_TIMES = 10
RETRY_TIMES = 2
ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False
USER_AGENT = (
    "Mozilla/5.0 (compatible; nianbao/0.1; +" + NIANBAO_CONTACT_URL + ") "
    "research archive of government information-disclosure annual reports"  # ASCII: header bytes are latin-1
)
