"""The `nianbao` command line: crawl, demo, extract, stats, migrate (scrapy crawl still works alongside)."""
from __future__ import annotations

import json
import mimetypes
import os
import sys
from pathlib import Path

import click

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")

db_option = click.option("--db", "db_path", default=None, metavar="FILE",
                         help="SQLite archive (default: NIANBAO_DB setting, nianbao.db).")


def default_db(db_path: str | None) -> str:
    from scrapy.utils.project import get_project_settings

    return db_path or get_project_settings().get("NIANBAO_DB")


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Crawl and archive 政府信息公开工作年度报告 from government portals."""


@main.command()
@db_option
@click.option("--portals", "portals_file", default="", metavar="FILE.csv", help="CSV with name,url columns.")
@click.option("--start-urls", default="", metavar="U1,U2", help="Comma-separated portal URLs.")
def crawl(db_path, portals_file, start_urls):
    """Crawl portals into the archive (same as `scrapy crawl reports`).

    Example: nianbao crawl --start-urls https://www.example.gov.cn/ --db out.db
    """
    from crawler.run import run_crawl

    run_crawl(default_db(db_path), start_urls=start_urls, portals=portals_file)


@main.command()
@click.option("--db", "db_path", default="nianbao-demo.db", show_default=True, metavar="FILE")
def demo(db_path):
    """Serve the bundled sample portal on 127.0.0.1 and crawl it into an archive.

    Example: nianbao demo --db /tmp/demo.db
    """
    from archive.schema import open_archive
    from archive.stats import format_summary, summarise
    from crawler.portal_server import PortalServer
    from crawler.run import run_crawl

    with PortalServer() as server:
        click.echo(f"Serving the sample portal at {server.url}/")
        run_crawl(db_path, start_urls=server.url + "/index.html", overrides=DEMO_SETTINGS)
    db = open_archive(db_path)
    click.echo(f"Archive: {Path(db_path).resolve()}")
    click.echo(format_summary(summarise(db)))
    for row in db.query("select year, title, url from reports order by year desc, title"):
        click.echo(f"  {row['year']}  {row['title']}  <{row['url']}>")


DEMO_SETTINGS = {
    "NIANBAO_ALLOW_PRIVATE_HOSTS": True,  # the sample portal is on loopback
    "AUTOTHROTTLE_START_DELAY": 0.1,
    "DOWNLOAD_DELAY": 0,
    "LOG_LEVEL": "WARNING",
}


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the file was fetched from.")
@click.option("--content-type", default=None, help='e.g. "text/html; charset=gbk" (default: by extension).')
@click.option("-v", "--verbose", is_flag=True, help="Show the stages' warnings on stderr.")
def extract(path, url, content_type, verbose):
    """Run the crawl's processing stages on one saved file and print one JSON object.

    Example: nianbao extract saved.html --url https://www.example.gov.cn/t20250120_1.html
    """
    import logging

    from pipelines.extract_file import ExtractionError, extract_file

    logging.basicConfig(level=logging.WARNING if verbose else logging.CRITICAL, format="%(message)s")

    try:
        body = path.read_bytes()
    except OSError as error:
        fail(f"Cannot read {path}: {error.strerror or error}.")
    content_type = content_type or (mimetypes.guess_type(path.name)[0] or "text/html")
    try:
        record = extract_file(body, url, content_type)
    except ExtractionError as error:
        fail(str(error))
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def stats(db_path, as_json):
    """Summarise an archive: reports by year and publisher, failures by reason.

    Example: nianbao stats --db nianbao.db
    """
    from archive.schema import open_archive
    from archive.stats import format_summary, summarise

    db_path = default_db(db_path)
    if not Path(db_path).exists():
        fail(f"No archive at {db_path}.")
    summary = summarise(open_archive(db_path))
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2) if as_json else format_summary(summary))


@main.command()
@db_option
def migrate(db_path):
    """Create the archive or bring its schema up to date.

    Example: nianbao migrate --db nianbao.db
    """
    from archive.schema import migrations, open_archive

    db_path = default_db(db_path)
    db = open_archive(db_path)
    click.echo(f"{db_path}: " + ", ".join(m.name for m in migrations.applied(db)))
