"""The command line's structure: commands in their own modules load only when used."""

from __future__ import annotations

import json
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


def test_the_program_exits_with_its_output_flushed_and_its_database_closed(tmp_path: Path) -> None:
    # main() ends the process without the interpreter's teardown: what was printed must still be
    # out, the exit code right, and the SQLite database closed (its write-ahead log checkpointed
    # into the file and removed, so that a copy of the file alone holds every commit).
    from tests.e2e_support import run_cli

    listings = tmp_path / "in.jsonl"
    listings.write_text('{"id": 1, "title": "L8star BM10 mini phone"}\n', encoding="utf-8")
    done = run_cli(tmp_path, "match", "--input", str(listings))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["device"] == "l8star-bm10"

    done = run_cli(tmp_path, "db", "upgrade")  # creates the database: writes
    assert done.returncode == 0, done.stderr
    assert "at revision" in done.stderr
    database = tmp_path / "thumbwatch.db"
    assert database.exists()
    assert not database.with_name("thumbwatch.db-wal").exists()

    done = run_cli(tmp_path, "match", "--input", str(tmp_path / "missing.jsonl"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_exiting_without_teardown_waits_for_a_running_thread_like_a_normal_exit() -> None:
    import threading

    from crawler.cli import exit_without_teardown

    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        exit_without_teardown(0)  # returns: the interpreter's own exit would wait for the thread
    finally:
        release.set()
        worker.join()
