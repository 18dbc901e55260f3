"""The ``thumbwatch`` command line: each command is a thin layer over library code.

Exit codes: 0 success, 1 the work failed (e.g. a failed crawl), 2 usage error (unknown spider,
bad argument, bad database URL, malformed input). Errors are one line on stderr; ``--verbose``
adds the traceback.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from rich.console import Console
from typer.core import TyperGroup

from crawler.config import get_settings
from crawler.output import OutputFormat, write_rows

# Commands that live in modules of their own, as "module:attribute" (a command function or a
# sub-command `typer.Typer`). They are imported only when run or listed by --help: importing them
# all (the database models, Scrapy, the scheduler, the web app) took more than a second at every
# start of every command.
LAZY_COMMANDS = {
    "hits": "crawler.hits_command:hits",
    "eval": "crawler.eval_command:eval_command",
    "rescore": "crawler.rescore_command:rescore_command",
    "evidence": "crawler.evidence_command:evidence_command",
    "catalog": "crawler.catalog_command:catalog_app",
    "serve": "crawler.review_command:serve_command",
    "users": "crawler.review_command:users_app",
    "verify": "crawler.referral_command:verify_command",
    "export": "crawler.referral_command:export_app",
    "schedule": "crawler.schedule_command:schedule_app",
    "followup": "crawler.followup_command:followup_command",
    "similar": "crawler.similar_command:similar_command",
}


def _load_command(name: str) -> Any:
    module, attribute = LAZY_COMMANDS[name].split(":")
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command: Any = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommandGroup(TyperGroup):
    """The top-level group: `LAZY_COMMANDS` are loaded on first use."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in LAZY_COMMANDS if name not in self.commands)]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            self.add_command(_load_command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyCommandGroup,
    add_completion=False,
    no_args_is_help=True,
    help="Find listings of contraband mini phones, match them to known devices, store them for takedowns.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")

err = Console(stderr=True, soft_wrap=True)
_state = {"verbose": False}

SANDBOX_SPIDERS = ("sandbox_bazaar", "sandbox_jsmarket", "sandbox_shop")


class UsageProblem(Exception):
    """A usage error to report in one line with exit code 2."""


def fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


# The errors `guarded` reports as usage errors, by module: a module not yet imported cannot
# have raised its error, so none is imported just to be caught (Scrapy, SQLAlchemy).
_USAGE_ERRORS = (
    ("crawler.runner", "CrawlUsageError"),
    ("storage.db", "DatabaseError"),
    ("matching.jsonlines", "LineError"),
    ("pydantic", "ValidationError"),
)


def guarded(fn: Callable[[], Any]) -> Any:
    """Run `fn`, turning known errors into one line and a meaningful exit code."""
    try:
        return fn()
    except Exception as exc:
        known = tuple(getattr(sys.modules[m], name) for m, name in _USAGE_ERRORS if m in sys.modules)
        if not isinstance(exc, (UsageProblem, *known)):
            raise
        if _state["verbose"]:
            err.print_exception()
        raise fail(str(exc).replace("\n", "; "), 2) from None


def _sessions() -> Any:
    from storage.db import session_factory, upgrade_database

    return session_factory(upgrade_database(get_settings().resolved_database_url))


@app.callback()
def main_callback(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Tracebacks on errors.")] = False,
) -> None:
    """thumbwatch: find listings of contraband mini phones and keep evidence for takedowns."""
    _state["verbose"] = verbose


@app.command()
def crawl(
    spider: Annotated[str, typer.Argument(help="Spider name (see `scrapy list`).")],
    arg: Annotated[list[str] | None, typer.Option("-a", help="Spider argument NAME=VALUE.")] = None,
    setting: Annotated[list[str] | None, typer.Option("-s", help="Scrapy setting NAME=VALUE.")] = None,
    timeout: Annotated[float | None, typer.Option(help="Kill the crawl after this many seconds.")] = None,
) -> None:
    """Run one crawl in a child process and record it as a crawl run."""
    from crawler.runner import parse_pairs

    arguments = guarded(lambda: parse_pairs(arg or [], "-a"))
    settings = guarded(lambda: parse_pairs(setting or [], "-s"))
    outcome = guarded(lambda: _crawl_with_progress(spider, arguments, settings, timeout))
    from crawler.scheduling.jobs import after_crawl

    after_crawl(outcome.run_id)  # relistings and the alert digest, as after a scheduled crawl
    if outcome.failed:
        raise fail(
            f"crawl run {outcome.run_id} {outcome.status.value}: {outcome.error} (log: {outcome.log_path})",
            1,
        )


def _crawl_with_progress(
    spider: str, arguments: dict[str, str], settings: dict[str, str], timeout: float | None
) -> Any:
    from crawler.runner import run_crawl

    with err.status(f"crawling {spider}…") as status:

        def progress(stats: dict[str, Any]) -> None:
            status.update(
                f"crawling {spider}: {stats.get('response_received_count', 0)} pages, "
                f"{stats.get('thumbwatch/items_stored', 0)} listings stored, "
                f"{stats.get('thumbwatch/items_flagged', 0)} flagged, "
                f"{stats.get('thumbwatch/errors/total', 0)} errors"
            )

        outcome = run_crawl(spider, arguments, settings, on_progress=progress, timeout=timeout)
    _report_outcome(spider, outcome)
    return outcome


def _report_outcome(spider: str, outcome: Any) -> None:
    stats = outcome.stats
    colour = {"ok": "green", "degraded": "yellow"}.get(outcome.status.value, "red")
    err.print(
        f"[{colour}]{spider}: run {outcome.run_id} {outcome.status.value}[/] in {outcome.duration:.1f}s: "
        f"{stats.get('response_received_count', 0)} pages, {stats.get('thumbwatch/items_stored', 0)} "
        f"listings stored, {stats.get('thumbwatch/items_flagged', 0)} flagged, "
        f"{stats.get('thumbwatch/errors/total', 0)} errors"
        + (f" ({outcome.error})" if outcome.error else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def runs(
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    limit: Annotated[int, typer.Option(min=1)] = 20,
) -> None:
    """Recent crawl runs with their status, counts and errors."""
    from storage.repository import list_crawl_runs

    def rows() -> list[dict[str, Any]]:
        with _sessions()() as session:
            return [
                {
                    "run_id": run.id,
                    "spider": run.spider,
                    "status": run.status.value,
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
                    "pages": run.stats.get("response_received_count", 0),
                    "listings": run.stats.get("thumbwatch/items_stored", 0),
                    "flagged": run.stats.get("thumbwatch/items_flagged", 0),
                    "errors": run.stats.get("thumbwatch/errors/total", 0),
                    "error": run.error,
                    "stats": run.stats,
                }
                for run in list_crawl_runs(session, limit)
            ]

    columns = (
        "run_id",
        "spider",
        "status",
        "started_at",
        "pages",
        "listings",
        "flagged",
        "errors",
        "error",
    )
    write_rows(guarded(rows), fmt, columns, title="crawl runs")


@app.command()
def match(
    input_path: Annotated[
        Path | None, typer.Option("--input", help="JSON Lines file; default stdin.")
    ] = None,
    output_path: Annotated[
        Path | None, typer.Option("--output", help="JSON Lines file; default stdout.")
    ] = None,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Skip malformed lines.")] = False,
) -> None:
    """Score listings from a JSON Lines file against the device catalog."""
    from crawler.catalog_store import active_matcher
    from crawler.match_file import match_lines
    from matching.speedups import settle_heap

    def run() -> Any:
        matcher = active_matcher()
        settle_heap()
        source = str(input_path) if input_path else "<stdin>"
        if input_path is not None and not input_path.is_file():
            raise UsageProblem(f"input file {input_path} does not exist")
        inp = input_path.open(encoding="utf-8") if input_path else sys.stdin
        # Write to a temporary file first so a malformed line leaves no half-written output.
        tmp = output_path.with_name(output_path.name + ".partial") if output_path else None
        out = tmp.open("w", encoding="utf-8") if tmp else sys.stdout
        try:
            report = match_lines(inp, out, matcher, source=source, skip_invalid=skip_invalid)
        except BaseException:
            if tmp:
                out.close()
                tmp.unlink(missing_ok=True)
            raise
        finally:
            if input_path:
                inp.close()
        if tmp and output_path:
            out.close()
            tmp.replace(output_path)
        return report

    report = guarded(run)
    for problem in report.skipped:
        err.print(f"skipped {problem}", highlight=False, soft_wrap=True)
    err.print(
        f"{report.written} listings scored, {report.flagged} flagged, {len(report.skipped)} skipped",
        highlight=False,
    )


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Saved HTML pages (any encoding; .gz too).")],
    url: Annotated[str | None, typer.Option(help="The URL the pages were fetched from.")] = None,
) -> None:
    """Run the layered extractor on saved pages: one JSON line per file."""
    from extraction import ExtractionFileError, extract_files

    try:
        for row in extract_files(files, url=url):
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    except ExtractionFileError as exc:
        raise fail(str(exc), 2) from None


@app.command()
def sandbox(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8080,
    seed: Annotated[int, typer.Option()] = 2025,
    listings: Annotated[int | None, typer.Option(min=1, help="Number of listings (default: small).")] = None,
    faults: Annotated[bool, typer.Option(help="Inject HTTP errors, malformed and slow pages.")] = False,
) -> None:
    """Serve the bundled sandbox marketplaces until interrupted."""
    from sandbox import DEFAULT_LISTINGS
    from sandbox.server import run_sandbox

    def ready(url: str) -> None:
        err.print(f"sandbox serving on {url}/ (bazaar, jsmarket, shop); Ctrl-C stops it", highlight=False)

    run_sandbox(
        host=host, port=port, seed=seed, listings=listings or DEFAULT_LISTINGS, faults=faults, on_ready=ready
    )


@app.command()
def demo(
    seed: Annotated[int, typer.Option()] = 2025,
    listings: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Start the sandbox, crawl its three sites (one through Chromium), show the hits."""
    from sandbox import SandboxServer, generate_catalogue
    from storage.repository import list_hits

    catalogue = generate_catalogue(seed, listings) if listings else generate_catalogue(seed)
    failed = []
    with SandboxServer(listings=catalogue, seed=seed) as server:
        err.print(f"sandbox marketplace serving on {server.url}", highlight=False)
        for spider in SANDBOX_SPIDERS:
            outcome = guarded(
                lambda spider=spider: _crawl_with_progress(spider, {"base_url": server.url}, {}, None)
            )
            if outcome.failed:
                failed.append(spider)
    with _sessions()() as session:
        rows = list_hits(session)
    write_rows(
        rows,
        OutputFormat.TABLE,
        ("device_name", "score", "tier", "marketplace", "title", "url"),
        title="hits",
    )
    err.print(f"database: {get_settings().resolved_database_url}", highlight=False)
    if failed:
        raise fail(f"crawl failed for {', '.join(failed)}", 1)


@app.command()
def bench(
    listings: Annotated[int, typer.Option(min=100, help="Sandbox listings (crawl benchmark).")] = 20_000,
    crawl_rounds: Annotated[int, typer.Option(min=1, help="Crawl benchmark rounds (best counts).")] = 3,
    matcher_listings: Annotated[
        int, typer.Option(min=1000, help="Listings for the matcher, match and rescore benchmarks.")
    ] = 100_000,
    output: Annotated[Path, typer.Option(help="Markdown report.")] = Path("BENCHMARKS.md"),
    shared_dir: Annotated[Path, typer.Option(help="Shared data (Zyte extraction pages).")] = Path(
        "../shared"
    ),
) -> None:
    """Measure the crawl pipeline vs bare Scrapy, the matcher vs a naive loop, and extraction."""
    from crawler.bench import run_benchmarks

    report = run_benchmarks(listings, matcher_listings, shared_dir, crawl_rounds, progress=err.print)
    output.write_text(report, encoding="utf-8")
    err.print(f"results written to {output}", highlight=False)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply the Alembic migrations (the CLI also does this on first use)."""
    from storage.db import current_revision, upgrade_database

    url = get_settings().resolved_database_url
    engine = guarded(lambda: upgrade_database(url, revision))
    err.print(f"database {engine.url!r} at revision {current_revision(engine)}", highlight=False)


def main() -> None:
    """The ``thumbwatch`` program. It ends the process itself (see `exit_without_teardown`), so
    call it as a program's entry point, never from code that goes on afterwards."""
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "THUMBWATCH_" + str(first["loc"][0]).upper() if first["loc"] else "configuration"
        err.print(f"[bold red]error:[/] bad configuration {field}: {first['msg']}", highlight=False)
        raise SystemExit(2) from None
    try:
        app()
    except SystemExit as exc:
        exit_without_teardown(exc.code)
        raise
    exit_without_teardown(0)


def exit_without_teardown(code: object) -> None:
    """Exit as `sys.exit(code)` would, but without tearing the interpreter down: after a batch
    command, freeing its modules and objects (SQLAlchemy, a warm matcher) took a fifth of a
    second of every run. The atexit handlers run (helper processes, logging) and the standard
    streams are flushed first, as on a normal exit. Returns without exiting while a non-daemon
    thread still runs: the interpreter would wait for it."""
    if any(not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message")
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing left to say
            status = status or 1
    os._exit(status)
