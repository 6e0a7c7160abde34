"""`nianbao enqueue` and `nianbao writer`, and `nianbao stats --redis`: the cluster's commands (crawler/cluster.py)."""
from __future__ import annotations

import json
import logging
import os

import click

redis_option = click.option("--redis", "redis_url", required=True, metavar="URL",
                            help="The cluster's Redis, e.g. redis://HOST:6379/0.")


def connect_or_fail(redis_url: str):
    """A live client, or exit 1 with one sentence when Redis cannot be reached."""
    import redis

    from crawler.cli import fail
    from crawler.cluster_worker import connect, redacted

    try:
        server = connect(redis_url)
        server.ping()
    except (redis.RedisError, ValueError) as error:
        fail(f"Cannot reach Redis at {redacted(redis_url)}: {error}.")
    return server


@click.command()
@redis_option
@click.option("--portals", "portals_file", default="", metavar="FILE.csv", help="CSV with name,url columns.")
@click.option("--start-urls", default="", metavar="U1,U2", help="Comma-separated portal URLs.")
def enqueue(redis_url, portals_file, start_urls):
    """Seed a cluster's shared frontier with portals (workers: scrapy crawl reports -s NIANBAO_REDIS_URL=…).

    Example: nianbao enqueue --redis redis://HOST:6379/0 --start-urls https://www.example.gov.cn/
    """
    from crawler.cli import fail
    from crawler.cluster_writer import enqueue as seed
    from crawler.portals import PortalListError
    from crawler.redis_frontier import Keys

    if not portals_file and not start_urls:
        fail("Give --start-urls or --portals.")
    server = connect_or_fail(redis_url)
    try:
        queued, seen = seed(server, Keys.for_spider(), start_urls=start_urls, portals=portals_file)
    except PortalListError as error:
        fail(str(error))
    click.echo(f"{queued} portals queued, {seen} already in the frontier", err=True)


@click.command()
@redis_option
@click.option("--db", "db_path", default=None, metavar="FILE", help="SQLite archive (default: NIANBAO_DB).")
@click.option("--idle-seconds", type=float, default=None, metavar="S",
              help="Stop after the item queue and frontier were empty this long (default NIANBAO_REDIS_IDLE_SECONDS).")
@click.option("--batch", "batch_size", type=click.IntRange(1, 10000), default=200, show_default=True,
              help="Items per SQLite transaction.")
def writer(redis_url, db_path, idle_seconds, batch_size):
    """Store the items the cluster's workers produce into the archive: the one SQLite writer.

    Example: nianbao writer --redis redis://HOST:6379/0 --db archive.db
    """
    from scrapy.utils.project import get_project_settings

    from archive.schema import open_archive
    from crawler.cli import default_db, fail
    from crawler.cluster_worker import default_worker_id
    from crawler.cluster_writer import Writer, WriterBusy
    from crawler.redis_frontier import Keys

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    settings = get_project_settings()
    idle = idle_seconds if idle_seconds is not None else settings.getfloat("NIANBAO_REDIS_IDLE_SECONDS")
    db_path = default_db(db_path)
    server = connect_or_fail(redis_url)
    run = Writer(server, open_archive(db_path), Keys.for_spider(), idle_seconds=idle, batch_size=batch_size,
                 name=f"writer-{default_worker_id()}")
    try:
        totals = run.run()
    except WriterBusy as error:
        fail(f"{str(error).capitalize()}.")
    except KeyboardInterrupt:
        fail("Interrupted; items not yet stored stay in Redis for the next writer.")
    click.echo(f"{sum(totals.values())} items → {db_path}", err=True)


def show_cluster_stats(redis_url: str, as_json: bool) -> None:
    from crawler.cluster_writer import cluster_stats, format_cluster_stats
    from crawler.redis_frontier import Keys

    stats = cluster_stats(connect_or_fail(redis_url), Keys.for_spider())
    click.echo(json.dumps(stats, ensure_ascii=False, indent=2) if as_json else format_cluster_stats(stats, redis_url))


os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
