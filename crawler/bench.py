"""Benchmarks: the full crawl pipeline against bare Scrapy, and the matcher against a naive loop.

Both comparisons are ratios measured in one run on this machine (absolute speeds vary between
machines). The crawl side serves the sandbox scaled to the requested number of listings and
crawls its server-rendered marketplace twice per round, once with thumbwatch's pipelines,
middleware and run-recording extension and once with none of them (bare Scrapy), on the same
pages with the same settings. Run with ``thumbwatch bench``; results go to BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_SPIDER = "sandbox_bazaar"
# Same settings for both sides: no politeness delay against our own loopback sandbox.
COMMON_SETTINGS = {
    "LOG_LEVEL": "WARNING",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ROBOTSTXT_OBEY": "True",
}
BARE_SETTINGS = {
    "ITEM_PIPELINES": "{}",
    "EXTENSIONS": "{}",
    "SPIDER_MIDDLEWARES": "{}",
    "DOWNLOADER_MIDDLEWARES": "{}",
}
# The full side captures evidence (WARC + listing JSON) but takes no screenshots and fetches no
# images: both are extra fetches (a browser page, image requests) that bare Scrapy does not make,
# so counting them would compare different work.
FULL_ENV = {"THUMBWATCH_EVIDENCE_SCREENSHOTS": "false", "THUMBWATCH_IMAGE_FETCH": "off"}


def _child(base_url: str, stats_path: str, settings: dict[str, str]) -> None:
    """Runs in the benchmark's child process: one crawl, its stats written as JSON."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    project = get_project_settings()
    for name, value in settings.items():
        project.set(name, json.loads(value) if value.startswith("{") else value, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(BENCH_SPIDER)
    process.crawl(crawler, base_url=base_url)
    process.start()
    stats = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in crawler.stats.get_stats().items()}
    Path(stats_path).write_text(json.dumps(stats))


def _timed_crawl(base_url: str, settings: dict[str, str], env: dict[str, str]) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        stats_path = handle.name
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crawler.bench", "child", base_url, stats_path, json.dumps(settings)],
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = json.loads(Path(stats_path).read_text())
    os.unlink(stats_path)
    pages = int(stats.get("response_received_count", 0))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "pages": pages,
        "items": int(stats.get("item_scraped_count", 0)),
        "wall_s": wall,
        "cpu_s": cpu,
        "pages_per_s": pages / wall if wall else 0.0,
        "cpu_s_per_1000_pages": 1000 * cpu / pages if pages else float("nan"),
    }


def bench_crawl(listings: int, rounds: int = 3, progress: Callable[[str], Any] = print) -> dict[str, Any]:
    """`rounds` rounds of: bare Scrapy, thumbwatch's first crawl (a fresh database: every listing
    new, evidence captured for every one above the threshold) and its recrawl of the same site
    (the daily steady state: unchanged listings write no snapshot and capture nothing). The
    ratios are the medians of each round's; the rates shown are each side's best."""
    from sandbox import SandboxServer, generate_catalogue

    catalogue = generate_catalogue(listings=listings)
    results: dict[str, list[dict[str, float]]] = {"bare": [], "first": [], "recrawl": []}
    # Every round's data stays until the end: deleting thousands of evidence files right before
    # the next round makes the file system's inode allocation slower for a while.
    with SandboxServer(listings=catalogue) as server, tempfile.TemporaryDirectory() as homes:
        for round_no in range(rounds):
            home = os.path.join(homes, f"round{round_no + 1}")
            os.makedirs(home)
            env = {
                **os.environ,
                "SCRAPY_SETTINGS_MODULE": "crawler.settings",
                "THUMBWATCH_HOME": home,
                "THUMBWATCH_DATABASE_URL": f"sqlite:///{home}/bench.db",
                **FULL_ENV,
            }
            for side in ("bare", "first", "recrawl"):
                settings = dict(COMMON_SETTINGS)
                if side == "bare":
                    settings.update(BARE_SETTINGS)
                result = _timed_crawl(server.url, settings, env)
                rate = result["pages_per_s"]
                progress(f"round {round_no + 1} {side}: {result['pages']} pages, {rate:.0f} pages/s")
                results[side].append(result)
    best = {side: max(runs, key=lambda r: r["pages_per_s"]) for side, runs in results.items()}
    # Each round's ratios: its thumbwatch crawls against its own bare crawl, run within a minute of
    # them, so a change of this machine's speed between rounds cancels out; the median counts.
    round_ratios = {
        side: [
            run["pages_per_s"] / bare["pages_per_s"]
            for run, bare in zip(results[side], results["bare"], strict=True)
        ]
        for side in ("first", "recrawl")
    }
    return {
        "listings": listings,
        "rounds": rounds,
        **best,
        "ratio": statistics.median(round_ratios["first"]),
        "recrawl_ratio": statistics.median(round_ratios["recrawl"]),
        "round_ratios": round_ratios,
        "all": results,
    }


def _timed_command(
    name: str,
    args: list[str],
    home: str,
    n: int,
    rounds: int,
    progress: Callable[[str], Any],
    before_round: Callable[[], None] | None = None,
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """`thumbwatch NAME ARGS` over `n` listings in a fresh process each round, data in `home`:
    the best round's rate and wall time, and the last round's completed process."""
    env = {**os.environ, "THUMBWATCH_HOME": home, "THUMBWATCH_DATABASE_URL": f"sqlite:///{home}/bench.db"}
    command = [sys.executable, "-c", "from crawler.cli import main; main()", name, *args]
    walls = []
    for round_no in range(rounds):
        if before_round is not None:
            before_round()
        start = time.perf_counter()
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        progress(f"round {round_no + 1} thumbwatch {name}: {n / walls[-1]:,.0f} listings/s")
    return {"n": n, "rounds": rounds, "per_s": n / min(walls), "wall_s": min(walls)}, done


def bench_match_cli(n: int, rounds: int = 3, progress: Callable[[str], Any] = print) -> dict[str, Any]:
    """`thumbwatch match` end to end on the matcher benchmark's `n` listings as a JSON Lines file:
    a fresh process each round (start-up, catalog, reading, scoring, writing), best of `rounds`."""
    from matching.bench import synthetic_listings

    with tempfile.TemporaryDirectory() as home:
        source, target = Path(home) / "in.jsonl", Path(home) / "out.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for number, (title, description) in enumerate(synthetic_listings(n)):
                out.write(json.dumps({"id": number, "title": title, "description": description}) + "\n")
        args = ["--input", str(source), "--output", str(target)]
        timing, _ = _timed_command("match", args, home, n, rounds, progress)
    return timing


# Batch scoring's target (listings/s on 2 cores) for `score_many`, `match` and `rescore`.
SCORING_TARGET = 20_000
# The device an older catalog lacks in the rescore benchmark: listings naming it move when the
# catalog that has it is in force, as after a unit imports a new device.
RESCORE_NEW_DEVICE = "long-cz-j8"


def _stored_for_rescore(url: str, n: int) -> None:
    """`n` synthetic listings (one in ten with attributes) stored at `url` as a crawl stores them,
    each with the verdict of an older catalog: the bundled one without `RESCORE_NEW_DEVICE`."""
    from dataclasses import replace

    from crawler.items import ListingItem
    from matching.bench import synthetic_listings
    from matching.matcher import Matcher, get_matcher
    from storage.db import session_factory, upgrade_database
    from storage.repository import store_listings

    current = get_matcher().catalog
    older = replace(
        current,
        devices=tuple(d for d in current.devices if d.id != RESCORE_NEW_DEVICE),
        version="bench-older-catalog",
    )
    matcher = Matcher(older)
    engine = upgrade_database(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    listings = synthetic_listings(n, seed=7)
    attributes = [
        {"Size": "68x28x13 mm", "Weight": f"{12 + i % 20} g"} if i % 10 == 0 else {} for i in range(n)
    ]
    results = list(matcher.score_stream((t, d, a) for (t, d), a in zip(listings, attributes, strict=True)))
    for start in range(0, n, 5_000):
        items = [
            ListingItem(
                marketplace="bench.example",
                external_id=str(i),
                url=f"https://bench.example/item/{i}",
                title=listings[i][0],
                description=listings[i][1],
                attributes=attributes[i],
                fetched_at=now,
                match=results[i],
            )
            for i in range(start, min(n, start + 5_000))
        ]
        with sessions.begin() as session:
            store_listings(session, items, now=now)
    engine.dispose()


def bench_rescore_cli(n: int, rounds: int = 3, progress: Callable[[str], Any] = print) -> dict[str, Any]:
    """`thumbwatch rescore` end to end on `n` stored listings after a catalog change (see
    `_stored_for_rescore`): a fresh process each round on a fresh copy of the same database,
    best of `rounds`, with what the last round moved and wrote."""
    import shutil

    with tempfile.TemporaryDirectory() as home:
        original = Path(home) / "stored.db"
        progress(f"storing {n:,} listings for the rescore benchmark…")
        _stored_for_rescore(f"sqlite:///{original}", n)

        def fresh_copy() -> None:
            copy = Path(home) / "bench.db"
            for journal in ("-wal", "-shm"):  # a last round's, which would apply to the copy
                copy.with_name(copy.name + journal).unlink(missing_ok=True)
            shutil.copyfile(original, copy)

        timing, done = _timed_command("rescore", ["--format", "json"], home, n, rounds, progress, fresh_copy)
    return timing | {"moved": len(json.loads(done.stdout)), "summary": done.stderr.strip().splitlines()[-1]}


def _interpreter() -> str:
    """The interpreter the venv was made from: builds differ in speed (Debian's is built with
    profile-guided and link-time optimisation, a plain source build is not)."""
    return str(getattr(sys, "_base_executable", None) or sys.executable)


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import scrapy
    import sqlalchemy

    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({_interpreter()}), Scrapy {scrapy.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )


REFERENCE_LOOP = 20_000_000


def reference_loop_seconds() -> float:
    """Seconds this process takes for a fixed pure-Python loop: how fast the machine runs Python
    at the moment, so that absolute rates measured at different times can be compared (this
    machine's speed follows its host's load)."""
    start = time.perf_counter()
    total = 0
    for i in range(REFERENCE_LOOP):
        total += i
    return time.perf_counter() - start


def run_benchmarks(
    listings: int,
    matcher_listings: int,
    shared_dir: Path,
    crawl_rounds: int = 3,
    progress: Callable[[str], Any] = print,
) -> str:
    from extraction.zyte_eval import evaluate_zyte, render_extraction_section
    from matching.bench import bench_matcher

    reference = [reference_loop_seconds()]
    progress(f"crawl benchmark on {listings} sandbox listings…")
    crawl = bench_crawl(listings, rounds=crawl_rounds, progress=progress)
    reference.append(reference_loop_seconds())
    progress(f"matcher benchmark on {matcher_listings} listings…")
    matcher = bench_matcher(matcher_listings)
    progress(f"thumbwatch match on {matcher_listings} listings…")
    matcher["cli"] = bench_match_cli(matcher_listings, progress=progress)
    progress(f"thumbwatch rescore on {matcher_listings} stored listings…")
    matcher["rescore"] = bench_rescore_cli(matcher_listings, progress=progress)
    reference.append(reference_loop_seconds())
    report = render_report(crawl, matcher, reference)
    if (shared_dir / "realpages").is_dir():
        progress("extraction benchmark on the Zyte pages…")
        report += "\n" + render_extraction_section(evaluate_zyte(shared_dir))
    else:
        report += f"\n## Extraction\n\nNot measured: {shared_dir}/realpages is absent.\n"
    return report


def _row(label: str, r: dict[str, float]) -> str:
    return (
        f"| {label} | {r['pages']} | {r['items']} | {r['wall_s']:.1f} | {r['pages_per_s']:.0f} "
        f"| {r['cpu_s_per_1000_pages']:.2f} |"
    )


def _match_note(run: dict[str, Any]) -> str:
    return (
        "`thumbwatch match` end to end starts Python, loads the catalog, reads, scores and writes "
        f"every line: {run['wall_s']:.1f} s for {run['n']:,} listings (best of {run['rounds']} rounds)."
    )


def _rescore_note(run: dict[str, Any]) -> str:
    return (
        f"`thumbwatch rescore` end to end: {run['wall_s']:.1f} s for {run['n']:,} stored "
        f"listings (best of {run['rounds']} rounds, each on a fresh copy of the same database), "
        "which were stored with the verdicts of the bundled catalog without "
        f"`{RESCORE_NEW_DEVICE}` and are re-scored with the whole catalog, as after a unit imports "
        "a device. It reads every listing, scores them as `thumbwatch match` does, compares each "
        "verdict with the listing's latest hit and writes a hit of the new catalog version for "
        f"every listing that had one or is now flagged; the last round reported: {run['summary']}."
    )


# The commands measured end to end: (key in the matcher results, name, what the run covers, note).
_COMMAND_RUNS: tuple[tuple[str, str, str, Callable[[dict[str, Any]], str]], ...] = (
    ("cli", "`thumbwatch match`", "JSON Lines file in and out", _match_note),
    ("rescore", "`thumbwatch rescore`", "SQLite, after a catalog change", _rescore_note),
)


def _round_ratios(crawl: dict[str, Any]) -> str:
    ratios = crawl.get("round_ratios")
    if not ratios:
        return ""
    first, recrawl = (", ".join(f"{100 * r:.0f}%" for r in ratios[side]) for side in ("first", "recrawl"))
    return f": first crawl {first}; recrawl {recrawl}"


def _reference_note(reference: list[float] | None) -> str:
    if not reference:
        return ""
    shown = ", ".join(f"{seconds:.2f} s" for seconds in reference)
    return (
        f"\nPython speed during the run: a reference loop of {REFERENCE_LOOP:,} additions took {shown} "
        "(before the crawl benchmark, before the matcher benchmark, at the end). This machine's speed "
        "follows its host's load, so absolute rates move with these readings from run to run; the "
        "ratios are measured within one run."
    )


def _met(rate: float) -> str:
    return "met" if rate >= SCORING_TARGET else "NOT met"


def render_report(
    crawl: dict[str, Any], matcher: dict[str, Any], reference: list[float] | None = None
) -> str:
    settings = ", ".join(f"{k}={v}" for k, v in COMMON_SETTINGS.items())
    first_ok = "met" if crawl["ratio"] >= 0.70 else "NOT met"
    recrawl_ok = "met" if crawl["recrawl_ratio"] >= 0.70 else "NOT met"
    rounds_shown = ", ".join(f"{r:,.0f}" for r in matcher.get("ours_rounds_per_s", [matcher["ours_per_s"]]))
    verdicts = {"`Matcher.score_many`, 2 cores": matcher["ours_per_s"]}
    rows = [
        f"| naive per-listing Python loop | {matcher['naive_per_s']:,.0f} | |",
        f"| `Matcher.score_many`, one core (helpers off) | {matcher['single_process_per_s']:,.0f} | |",
        f"| `Matcher.score_many`, 2 cores | {matcher['ours_per_s']:,.0f} | {_met(matcher['ours_per_s'])} |",
    ]
    notes = []
    for key, name, label, describe in _COMMAND_RUNS:
        run = matcher.get(key)
        if run:
            verdicts[name] = run["per_s"]
            rows.append(f"| {name}, end to end ({label}) | {run['per_s']:,.0f} | {_met(run['per_s'])} |")
            notes.append(describe(run))
    met = [name for name, rate in verdicts.items() if rate >= SCORING_TARGET]
    missed = [name for name, rate in verdicts.items() if rate < SCORING_TARGET]
    verdict = "met by " + ", ".join(met) if met else "NOT met"
    if met and missed:
        verdict += "; NOT met by " + ", ".join(missed)
    table = "\n".join(rows)
    note = "\n\n".join(notes)
    return f"""# Benchmarks

Written by `thumbwatch bench` on {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}.

Machine: {machine_description()}.{_reference_note(reference)}

## Crawl pipeline vs bare Scrapy

Sandbox marketplace scaled to {crawl["listings"]} listings; spider `{BENCH_SPIDER}` (search pages,
pagination, item pages); both sides with the same settings ({settings}),
{crawl["rounds"]} rounds (the table shows each side's best). "Bare" runs the same spider with
none of thumbwatch's item pipelines, middlewares or extensions; thumbwatch runs them all:
normalise -> match -> store (SQLite) -> evidence capture of every listing scoring at least the
evidence threshold (WARC and listing JSON into the content-addressed store, custody entries),
block detection, wire-response keeping and the crawl-run recorder. The store and evidence steps
run in two worker processes beside the crawl process; both sides use the project's settings
(CONCURRENT_ITEMS=16 included).
Screenshots and image fetching are off
({", ".join(f"{k}={v}" for k, v in FULL_ENV.items())}): they are extra fetches bare Scrapy does not make.
Each round starts from an empty database: the *first crawl* stores every listing and captures the
evidence of every flagged one; the *recrawl* of the same site right after is the daily steady
state (nothing changed: no snapshot, no capture, only `last_seen`).

| | pages | items | wall s | pages/s | CPU s / 1,000 pages |
|---|---:|---:|---:|---:|---:|
{_row("bare Scrapy", crawl["bare"])}
{_row("thumbwatch, first crawl", crawl["first"])}
{_row("thumbwatch, recrawl", crawl["recrawl"])}

First crawl at **{100 * crawl["ratio"]:.0f}%** of bare Scrapy's pages/s (target: at least 70%: {first_ok});
recrawl at **{100 * crawl["recrawl_ratio"]:.0f}%** ({recrawl_ok}). Each is the median of the
rounds' own ratios (each round's crawls against its own bare crawl, run within a minute of
them){_round_ratios(crawl)}.
CPU is the crawl process's own and its store and evidence worker processes' (user + system); the
sandbox server runs in the benchmark process. Wall time is the whole crawl process, start-up included
(imports, the database check, loading the catalog).

## Matcher throughput

{matcher["n"]:,} synthetic listings (title + description, {matcher["avg_chars"]:.0f} characters on average),
{matcher.get("cpu_count", os.cpu_count())} cores. `Matcher.score_many` scores through
`Matcher.score_stream`, as `thumbwatch match` and `rescore` do: from 5,000 listings on, it
scores on this process's core and hands blocks to a helper process on the other. Each of its
{matcher["rounds"]} rounds runs in a fresh process, so it pays the imports, the helper's
start-up and cold caches every time; the best round counts (rounds: {rounds_shown}).
The naive loop compares each listing with every catalog alias (`fuzz.partial_ratio`) and counts
keywords, on {matcher["naive_n"]:,} listings.

| | listings/s | target ({SCORING_TARGET:,}/s) |
|---|---:|---|
{table}

Speed-up of `score_many` over the naive loop: **{matcher["ratio"]:.1f}x**. Target of at least
{SCORING_TARGET:,} listings/s on 2 cores: {verdict}.

{note}
"""


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "child":
    _child(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
