"""The scheduler launcher: ``python scheduler.py [--config FILE]`` is ``thumbwatch schedule run``.

The scheduler itself lives in `crawler.scheduling` (jobs from a TOML file or the built-in
defaults, a SQLAlchemy job store in the project database, one child process per crawl).
"""

from __future__ import annotations

import sys

from crawler.cli import main

if __name__ == "__main__":
    options = sys.argv[1:]
    sys.argv = [sys.argv[0], "schedule", *options, "run"]
    main()
