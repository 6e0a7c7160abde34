"""Scrapy settings for nianbao: polite defaults for government servers, our stages, our switches."""
import os

from crawler.browser import default_chromium
from crawler.browser_proxy import browser_proxy

BOT_NAME = "nianbao"
COMMANDS_MODULE = "crawler.commands"   # `scrapy crawl` exits 1 when the crawl found no report
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
# A portal whose walk found no 年报 is asked through its site search (was5, jrobotfront, igs …): one request,
# then at most this many result pages in all (0 turns the fallback off); they count in the page budget.
NIANBAO_SITE_SEARCH_PAGES = 3
# Render JS-only 年报 list pages in Chromium (scrapy-playwright); documents always use the plain downloader.
NIANBAO_RENDER_JS = True
# Also download the files of full HTML reports (kept as captures); files that are the report (listed directly,
# or behind a pointer page "附件：…年度报告.pdf") are always fetched (spiders/attachments.py).
NIANBAO_FETCH_ATTACHMENTS = False
# The Chromium binary the browser path runs: Debian's chromium-headless-shell where installed (the same engine
# without the desktop browser around it: a third of chromium's CPU in benchmarks/crawl.py), else chromium.
NIANBAO_CHROMIUM = os.environ.get("NIANBAO_CHROMIUM") or default_chromium()
# Attachments (pipelines/attachments.py): larger files are a recorded failure; PDFs are read up to
# NIANBAO_MAX_ATTACHMENT_PAGES pages; each file gets NIANBAO_ATTACHMENT_TIMEOUT seconds (converters too);
# NIANBAO_OCR runs tesseract (chi_sim) on scanned pages (apt-get install tesseract-ocr tesseract-ocr-chi-sim).
NIANBAO_MAX_ATTACHMENT_MB = 200
NIANBAO_MAX_ATTACHMENT_PAGES = 500
NIANBAO_ATTACHMENT_TIMEOUT = 120
NIANBAO_OCR = os.environ.get("NIANBAO_OCR", "") not in ("", "0")
# Worker processes that run the processing stages (decode … statistics) off the reactor thread, so a crawl
# uses a 2nd core (pipelines/offload.py); 0 runs them in the crawler process. One where there is a 2nd core:
# +4–12% pages/s in 3 of 3 interleaved runs of benchmarks/crawl.py on 2 cores.
NIANBAO_PROCESS_WORKERS = int(os.environ.get("NIANBAO_PROCESS_WORKERS", "1" if (os.cpu_count() or 1) > 1 else "0"))
# Contact address named in the User-Agent so webmasters can reach the operator.
NIANBAO_CONTACT_URL = os.environ.get("NIANBAO_CONTACT_URL", "https://github.com/nianbao/nianbao")
# Record every HTTP exchange as WARC/1.1 (crawler/warc_middleware.py), in NIANBAO_WARC_DIR (empty: a
# `<db name>-warc/` folder next to the archive), starting a new file past NIANBAO_WARC_MAX_MB megabytes.
NIANBAO_WARC_ENABLED = True
NIANBAO_WARC_DIR = os.environ.get("NIANBAO_WARC_DIR", "")
NIANBAO_WARC_MAX_MB = 1000
# Several machines (crawler/cluster.py): with NIANBAO_REDIS_URL set, this process is one worker of a
# Redis-backed cluster (shared frontier with leases, shared per-host politeness, items go to `nianbao writer`).
# A worker stops after NIANBAO_REDIS_IDLE_SECONDS of empty frontier; a lease not renewed for
# NIANBAO_REDIS_LEASE_SECONDS (a dead worker) is handed out again, at most NIANBAO_REDIS_MAX_ATTEMPTS times;
# a worker holds at most NIANBAO_REDIS_PREFETCH leases; NIANBAO_REDIS_WORKER_ID names it (default host-pid).
NIANBAO_REDIS_URL = os.environ.get("NIANBAO_REDIS_URL", "")
NIANBAO_REDIS_IDLE_SECONDS = 300
NIANBAO_REDIS_LEASE_SECONDS = 30
NIANBAO_REDIS_MAX_ATTEMPTS = 3
NIANBAO_REDIS_PREFETCH = 16
NIANBAO_REDIS_WORKER_ID = ""
# A refresh starts from the 年报 list pages the last crawl read (spiders/refresh.py); every Nth refresh of a
# portal walks from its home page anyway, so moved or new columns are found (`-a rediscover=1`: this one).
NIANBAO_REFRESH_WALK_EVERY = 5

# --- Scrapy, grouped like its defaults ----------------------------------------------------------
# Does nothing unless NIANBAO_REDIS_URL is set; then swaps in the Redis scheduler, limiter and item pipeline.
ADDONS = {"crawler.cluster.ClusterAddon": 0, "crawler.browser.BrowserAddon": 0}
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
# Scrapy starts this many asyncio tasks per response to process its output, however little it yields
# (a page yields a report or a handful of links): the default 100 cost ~6% of a crawl's CPU in task churn.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay is 0.5–1.5 × DOWNLOAD_DELAY

# Attachments (PDF/DOC) may be large; pages far larger than any report are cut off here.
DOWNLOAD_MAXSIZE = NIANBAO_MAX_ATTACHMENT_MB * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60

# scrapy-playwright only takes requests with meta["playwright"]; everything else goes to Scrapy's own handler.
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}

DOWNLOADER_MIDDLEWARES = {
    # After HttpProxyMiddleware (750), so a proxied request is not resolved locally.
    "crawler.middlewares.PrivateHostGuardMiddleware": 760,
    # Between RedirectMiddleware (600) and HttpCacheMiddleware (900): sees 3xx and still-compressed bodies.
    "crawler.warc_middleware.WarcRecorderMiddleware": 650,
}

# Remembers the 年报 list pages each crawl reads; a refresh starts from them (spiders/refresh.py).
SPIDER_MIDDLEWARES = {
    "spiders.refresh.ListMemoryMiddleware": 950,
}

# Before the scheduler opens JOBDIR: a job killed mid-crawl (SIGKILL) restarts its walk cleanly (spiders/resume.py).
EXTENSIONS = {
    "spiders.resume.JobDirGuard": 100,
}

# Spam comes off the DOM before the main text is chosen: hidden 暗链 and after-</html> junk must
# never steer container selection (see pipelines/spam.py).
ITEM_PIPELINES = {
    "pipelines.offload.OffloadPipeline": 90,  # NIANBAO_PROCESS_WORKERS > 0: stages 100-899 run in worker processes
    "pipelines.encoding.DecodePipeline": 100,
    "pipelines.spam.SpamStripPipeline": 200,
    "pipelines.extraction.MainTextPipeline": 300,
    "pipelines.attachments.AttachmentTextPipeline": 310,   # PDF/DOCX/DOC/WPS/XLS(X) bodies (html == "")
    "pipelines.metadata.MetadataPipeline": 400,
    "pipelines.statistics.StatisticsPipeline": 500,
    "pipelines.storage.ArchivePipeline": 900,   # always last
}

LOG_LEVEL = "INFO"
# The browser goes through the same proxy as the downloader (http_proxy/https_proxy, no_proxy).
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": NIANBAO_CHROMIUM,
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-extensions", "--no-first-run", "--mute-audio"],
}
_BROWSER_PROXY = browser_proxy()
if _BROWSER_PROXY:
    PLAYWRIGHT_LAUNCH_OPTIONS["proxy"] = _BROWSER_PROXY
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
REDIRECT_MAX_TIMES = 10
RETRY_TIMES = 2
ROBOTSTXT_OBEY = True
# No code-execution consoles in a crawler run on shared servers: telnet, nor Scrapy 2.19's HTTP remote control
# (on by default: a localhost port taking Python code, its token in a job file under the user's home).
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
USER_AGENT = (
    "Mozilla/5.0 (compatible; nianbao/0.1; +" + NIANBAO_CONTACT_URL + ") "
    "research archive of government information-disclosure annual reports"  # ASCII: header bytes are latin-1
)
