"""Scrapy commands of the project (COMMANDS_MODULE): `scrapy crawl` with nianbao's exit status."""
