"""What a crawl of the sandbox captured, checked by other tools: each WARC passes warcio's own
checker (``warcio check``, which recomputes every block and payload digest) and fails it once a
payload byte changes; each screenshot is a PNG of the listing's page, as Chromium renders it."""

from __future__ import annotations

import asyncio
import gzip
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from sqlalchemy import select

from crawler.settings import PLAYWRIGHT_LAUNCH_OPTIONS
from evidence.screenshot import VIEWPORT, PageScreenshotter
from evidence.store import EvidenceStore
from sandbox import SandboxServer, generate_catalogue
from storage import create_db_engine, session_factory
from storage.models import Capture
from tests.e2e_support import db_url, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SEED = 2025
WARCIO = Path(sys.executable).with_name("warcio")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Capture]]]:
    """A bazaar crawl with screenshots on, capturing the listings scoring 95 or more (the sandbox
    keeps serving until the module's tests are done)."""
    home = tmp_path_factory.mktemp("crawled")
    with SandboxServer(listings=generate_catalogue(SEED), seed=SEED) as server:
        env = {"THUMBWATCH_EVIDENCE_SCREENSHOTS": "true", "THUMBWATCH_EVIDENCE_MIN_SCORE": "95"}
        crawl = run_cli(
            home, "crawl", "sandbox_bazaar", "-a", f"base_url={server.url}", "-a", "queries=voiture", env=env
        )
        assert crawl.returncode == 0, crawl.stderr
        with session_factory(create_db_engine(db_url(home)))() as session:
            captures = list(session.scalars(select(Capture).order_by(Capture.id)))
            for capture in captures:
                _ = capture.items  # loaded while the session is open
        assert captures
        yield home, captures


def _blobs(home: Path, captures: list[Capture], kind: str) -> list[tuple[Capture, bytes]]:
    store = EvidenceStore(home / "evidence")
    return [(c, store.read(item.sha256)) for c in captures for item in c.items if item.kind == kind]


def _warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True, timeout=60)


def test_every_captured_warc_passes_warcios_checker(
    crawled: tuple[Path, list[Capture]], tmp_path: Path
) -> None:
    home, captures = crawled
    warcs = _blobs(home, captures, "warc")
    assert len(warcs) == len(captures)
    for capture, data in warcs:
        path = tmp_path / f"capture-{capture.id}.warc.gz"
        path.write_bytes(data)
        checked = _warcio_check(path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        # every record carries a block digest (and the response a payload digest), each recomputed
        lines = [line.split() for line in checked.stdout.splitlines()[1:]]
        assert [(line[-1], answer) for line, answer in zip(lines[::2], lines[1::2], strict=True)] == [
            ("warcinfo", ["digest", "pass"]),
            ("response", ["digest", "pass"]),
            ("request", ["digest", "pass"]),
        ], checked.stdout


def test_warcios_checker_fails_a_warc_with_one_payload_byte_changed(
    crawled: tuple[Path, list[Capture]], tmp_path: Path
) -> None:
    home, captures = crawled
    [(_capture, data), *_] = _blobs(home, captures, "warc")
    plain = gzip.decompress(data)  # every record is its own gzip member
    body = plain.index(b"</html>")  # inside the response record's HTML payload
    altered = plain[:body] + b"</HTML>" + plain[body + len(b"</html>") :]
    assert len(altered) == len(plain)
    (tmp_path / "intact.warc").write_bytes(plain)
    (tmp_path / "altered.warc").write_bytes(altered)
    assert _warcio_check(tmp_path / "intact.warc").returncode == 0
    checked = _warcio_check(tmp_path / "altered.warc")
    assert checked.returncode == 1
    assert "payload digest failed" in checked.stdout and "block digest failed" in checked.stdout


def test_every_screenshot_is_a_png_of_the_listing_page(crawled: tuple[Path, list[Capture]]) -> None:
    home, captures = crawled
    shots = _blobs(home, captures, "screenshot")
    assert len(shots) == len(captures)

    async def retake(urls: list[str]) -> list[bytes]:
        shooter = PageScreenshotter(dict(PLAYWRIGHT_LAUNCH_OPTIONS), timeout=30, user_agent="thumbwatch-test")
        try:
            return [(await shooter.take(url)).png for url in urls]
        finally:
            await shooter.close()

    # The sandbox still serves the same pages: a fresh render of each must be the same picture.
    fresh = asyncio.run(retake([capture.url for capture, _ in shots]))
    for (capture, png), again in zip(shots, fresh, strict=True):
        with Image.open(io.BytesIO(png)) as shot, Image.open(io.BytesIO(again)) as reference:
            assert shot.format == "PNG"
            assert shot.width == VIEWPORT["width"] and shot.height >= VIEWPORT["height"]
            assert shot.size == reference.size, capture.url
            shot_rgb, reference_rgb = shot.convert("RGB"), reference.convert("RGB")
            assert len(shot_rgb.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 10  # not a blank page
            difference = ImageChops.difference(shot_rgb, reference_rgb).convert("L")
            changed = sum(difference.point(lambda v: 255 if v > 16 else 0).histogram()[255:])
            assert changed <= shot.width * shot.height // 100, capture.url
