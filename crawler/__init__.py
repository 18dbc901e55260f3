"""Scrapy plumbing for thumbwatch: configuration, settings, items, pipelines, middlewares,
extensions and the command-line interface."""

__version__ = "0.1.0"
