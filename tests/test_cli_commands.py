"""The command line's structure: commands in their own modules load only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import LAZY_COMMANDS, app

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_cli_loads_no_database_crawler_or_web_code() -> None:
    code = (
        "import sys, crawler.cli; "
        "heavy = ('sqlalchemy', 'scrapy', 'twisted', 'fastapi', 'apscheduler', 'storage.models'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command_with_its_summary() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for name in [*LAZY_COMMANDS, "crawl", "match", "runs", "db"]:
        assert f" {name} " in result.output, name
    assert "Re-score stored listings" in result.output  # rescore's summary, read from its module


def test_a_lazy_command_group_and_its_subcommands_run() -> None:
    result = CliRunner().invoke(app, ["catalog", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for sub in ("list", "show", "validate", "import", "export", "history"):
        assert f" {sub} " in result.output, sub


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2
