"""Scrapy settings for thumbwatch crawls (``SCRAPY_SETTINGS_MODULE=crawler.settings``).

Values that an operator tunes come from `crawler.config.get_settings()`; the rest wires the
components. Defaults are polite: robots.txt obeyed, AutoThrottle, a per-domain cap and an
honest User-Agent; a spider may override any of them in ``custom_settings``.
"""

from __future__ import annotations

from crawler.config import get_settings

_config = get_settings()

BOT_NAME = "thumbwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = _config.resolved_user_agent
ROBOTSTXT_OBEY = _config.obey_robots
CONCURRENT_REQUESTS = 16
# Scrapy starts this many tasks for every response, however few outputs it has; our pages give
# one listing or a page of links, and 100 tasks per page kept tens of thousands of them alive
# while items waited for their store batch (a fifth of a crawl's CPU went to collecting them).
CONCURRENT_ITEMS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = _config.concurrent_requests_per_domain
DOWNLOAD_DELAY = _config.download_delay
DOWNLOAD_TIMEOUT = _config.download_timeout
AUTOTHROTTLE_ENABLED = _config.autothrottle
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = _config.log_level

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    # Nearer the downloader than RetryMiddleware (550) and after HttpCompression (590)
    # on the way back: it sees the decoded body first and handles its own retries.
    "crawler.blocking.BlockDetectionMiddleware": 560,
    # Nearer the downloader than HttpCompression (590): keeps the still-encoded body for evidence.
    "crawler.middlewares.WireResponseMiddleware": 595,
}

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.MalformedPageMiddleware": 45,
    "crawler.middlewares.ExchangeCaptureMiddleware": 50,
}

ITEM_PIPELINES = {
    "crawler.pipelines.NormaliseListingPipeline": 100,
    "crawler.pipelines.MatchListingPipeline": 200,
    "crawler.pipelines.StoreListingPipeline": 300,
    "crawler.images.ListingImagesPipeline": 350,
    "crawler.evidence_pipeline.EvidenceCapturePipeline": 400,
}

EXTENSIONS = {
    "crawler.extensions.CrawlRunExtension": 100,
    "crawler.heap.FreezeStartupHeap": 900,
}

# thumbwatch's own components
THUMBWATCH_DATABASE_URL = _config.resolved_database_url
THUMBWATCH_CRAWL_RUN_ID = None  # set by `thumbwatch crawl` when the parent recorded the run
THUMBWATCH_BLOCK_RETRIES = 3
THUMBWATCH_BLOCK_BACKOFF = 30.0  # seconds before the first retry of a blocked request; doubles
THUMBWATCH_BLOCK_BACKOFF_MAX = 600.0
THUMBWATCH_STORE_BATCH_SIZE = 200
THUMBWATCH_STORE_BATCH_DELAY = 0.25
THUMBWATCH_HEARTBEAT = 2.0
THUMBWATCH_EVIDENCE_MIN_SCORE = _config.evidence_min_score
THUMBWATCH_EVIDENCE_SCREENSHOTS = _config.evidence_screenshots
THUMBWATCH_EVIDENCE_SCREENSHOT_TIMEOUT = _config.evidence_screenshot_timeout
THUMBWATCH_EVIDENCE_SCREENSHOT_CONCURRENCY = 2
THUMBWATCH_IMAGE_FETCH = _config.image_fetch
THUMBWATCH_IMAGES_PER_LISTING = _config.images_per_listing
THUMBWATCH_IMAGE_MAX_BYTES = 10 * 1024 * 1024  # per image (Scrapy's download_maxsize)

# scrapy-playwright: only spiders that render JavaScript switch its download handler on,
# through `playwright_settings()` below, so plain spiders never start a browser.
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": str(_config.chromium_path),
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
# Bounded browser: pages are closed by scrapy-playwright after each response (spiders never
# keep them), and at most this many contexts and pages are open at once.
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
THUMBWATCH_BROWSER_LOAD_MEDIA = False
PLAYWRIGHT_ABORT_REQUEST = None if THUMBWATCH_BROWSER_LOAD_MEDIA else "crawler.browser.abort_heavy_request"


def playwright_settings() -> dict[str, object]:
    """``custom_settings`` for a spider whose pages need a browser (scrapy-playwright)."""
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
    }
