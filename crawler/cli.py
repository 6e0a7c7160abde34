"""The `nianbao` command line: crawl into the archive, then search, export and inspect it (scrapy crawl still works)."""
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

    if not run_crawl(default_db(db_path), start_urls=start_urls, portals=portals_file):
        sys.exit(1)   # the log names the spider and the portals; the failures table says why


@main.command()
@db_option
@click.option("--portals", "portals_file", default="", metavar="FILE.csv", help="CSV with name,url columns.")
@click.option("--start-urls", default="", metavar="U1,U2", help="Comma-separated portal URLs.")
def refresh(db_path, portals_file, start_urls):
    """Revisit portals: find new reports, re-check archived ones conditionally, mark vanished ones gone.

    Same as `scrapy crawl reports -a refresh=1`. Unchanged reports (304 or same text) get no new version.
    Example: nianbao refresh --start-urls https://www.example.gov.cn/ --db nianbao.db
    """
    from crawler.run import run_crawl

    if not run_crawl(default_db(db_path), start_urls=start_urls, portals=portals_file, refresh="1"):
        sys.exit(1)


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


# Attachments by extension (mimetypes knows .wps only where /etc/mime.types does); the bytes are sniffed anyway.
DOCUMENT_TYPES = {".pdf": "application/pdf", ".doc": "application/msword", ".wps": "application/vnd.ms-works",
                  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  ".xls": "application/vnd.ms-excel",
                  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


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
    content_type = content_type or (DOCUMENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
                                    or "text/html")
    try:
        record = extract_file(body, url, content_type)
    except ExtractionError as error:
        fail(str(error))
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Instead: a cluster's queue lengths, workers seen and items pending (redis://HOST:6379/0).")
def stats(db_path, as_json, redis_url):
    """Summarise an archive: reports by year and publisher, failures by reason.

    Example: nianbao stats --db nianbao.db
    """
    from archive.schema import open_archive
    from archive.stats import format_summary, summarise

    if redis_url:
        from crawler.cluster_cli import show_cluster_stats

        return show_cluster_stats(redis_url, as_json)
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


def open_existing(db_path: str | None):
    """The archive at db_path (migrated), or exit 1 with one sentence when there is none."""
    from archive.schema import open_archive

    db_path = default_db(db_path)
    if not Path(db_path).exists():
        fail(f"No archive at {db_path}.")
    return open_archive(db_path)


@main.command()
@db_option
@click.argument("query")
@click.option("--year", type=int, default=None, help="Only reports on this year (年度).")
@click.option("--publisher", default=None, help="Only publishers whose name contains this (发布机构).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def search(db_path, query, year, publisher, limit):
    """Full-text search of the archived reports, ranked, with a highlighted snippet.

    Example: nianbao search "依申请公开" --year 2024 --publisher 人民政府
    """
    from archive.search import search as run_search

    on_terminal = sys.stdout.isatty()
    mark = ("\x1b[1;31m", "\x1b[0m") if on_terminal else ("【", "】")
    hits = run_search(open_existing(db_path), query, year=year, publisher=publisher, limit=limit, mark=mark)
    for hit in hits:
        click.echo(f"{hit.year or '----'}  {hit.title}  [{hit.publisher}]  <{hit.url}>")
        click.echo(f"      {hit.snippet}")
    if not hits:
        click.echo(f"No report matches {query!r}.", err=True)


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), required=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=int, default=None, help="Only reports on this year (年度).")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Only reports changed on or after this date.")
@click.option("--publisher", default=None, help="Only publishers whose name contains this.")
@click.option("--all-versions", is_flag=True, help="One record per text version instead of per report.")
def export(db_path, fmt, out_path, year, since, publisher, all_versions):
    """Export reports (metadata, text, tables, provenance) for parsers, streamed in URL order.

    Example: nianbao export --format jsonl --out reports.jsonl --year 2024
    """
    from archive.export import ExportFilter, ParquetUnavailable, count_records
    from archive.export import export as run_export

    db = open_existing(db_path)
    flt = ExportFilter(year=year, since=since, publisher=publisher, all_versions=all_versions)
    try:
        if sys.stderr.isatty():
            with click.progressbar(length=count_records(db, flt), label="Exporting", file=sys.stderr) as bar:
                count = run_export(db, out_path, fmt, flt, progress=bar.update)
        else:
            count = run_export(db, out_path, fmt, flt)
    except ParquetUnavailable as error:
        fail(str(error))
    except OSError as error:
        fail(f"Cannot write {out_path}: {error.strerror or error}.")
    click.echo(f"{count} records → {out_path}", err=True)


@main.command()
@db_option
@click.option("--out", "out_path", default="coverage.html", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))
def coverage(db_path, out_path):
    """Write an HTML page of which report years each portal and publisher has, is late with, or misses.

    Example: nianbao coverage --out coverage.html --db nianbao.db
    """
    from archive.coverage import write_coverage
    from crawler.items import utc_now

    portals = write_coverage(open_existing(db_path), out_path, utc_now())
    click.echo(f"{len(portals)} portals → {out_path}", err=True)


@main.command()
@db_option
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reindex", "warc_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="First (re)index every WARC file in this folder (after a crash or a copy).")
def cdxj(db_path, out_path, warc_dir):
    """Write the WARC capture index as a sorted CDXJ file that pywb can replay from.

    Example: nianbao cdxj --out index.cdxj --db nianbao.db
    """
    from archive.warc_index import index_warc_dir, write_cdxj

    db = open_existing(db_path)
    if warc_dir is not None:
        click.echo(f"indexed {index_warc_dir(db, warc_dir)} records from {warc_dir}", err=True)
    click.echo(f"{write_cdxj(db, out_path)} lines → {out_path}", err=True)


from crawler.cluster_cli import enqueue, writer  # noqa: E402 - several machines: crawler/cluster_cli.py

main.add_command(enqueue)
main.add_command(writer)
