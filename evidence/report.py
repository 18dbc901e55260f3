"""The human-readable referral report: HTML from a Jinja2 template, PDF from that same HTML.

For each listing the report shows its screenshot, the specs read off its text (by the matcher's
own `matching.specs.extract_specs`) beside the catalog device's specs, the match reasons with the
text they were read from, and the captures with their SHA-256; a listing without evidence gets a
warning box, in its section and in a summary at the top. Autoescaping is on for every value:
listing text is hostile input. The screenshot is embedded as a data URI so the HTML stands alone
when forwarded. The PDF is printed by headless Chromium (the crawls' launch options); Chromium
stamps the current time into the PDF's dates, which are set to the package's creation time so
that a package is reproducible.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from crawler import __version__
from evidence.notice import INTEGRITY_STATEMENT, UnitContact
from matching.catalog import Catalog, Device
from matching.specs import Spec, extract_specs
from matching.text import fold

TEMPLATES = Path(__file__).parent / "templates"
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:[^)]*\)")
_SPEC_LABELS = {
    "dims": "Dimensions",
    "length": "Length",
    "weight": "Weight",
    "battery": "Battery",
    "screen": "Screen",
}


class ReportRenderError(RuntimeError):
    """Chromium could not be started or could not print the report."""


@dataclass(frozen=True)
class SpecRow:
    label: str
    listing: tuple[str, ...]  # each value as read, with the text it came from
    catalog: str | None


@dataclass(frozen=True)
class Screenshot:
    file: str
    media_type: str
    data: bytes

    @property
    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )


def _number(value: float) -> str:
    return f"{value:g}"


def _spec_value(spec: Spec) -> str:
    if spec.kind == "dims":
        return " × ".join(_number(v) for v in spec.value) + " mm"
    unit = {"length": "mm", "weight": "g", "battery": "mAh", "screen": "in"}[spec.kind]
    return f"{_number(spec.value[0])} {unit}"


def _catalog_value(kind: str, device: Device) -> str | None:
    if kind in ("dims", "length") and device.dimensions_mm:
        return " × ".join(_number(v) for v in device.dimensions_mm) + " mm"
    if kind == "weight" and device.weight_g is not None:
        return f"{_number(device.weight_g)} g"
    if kind == "battery" and device.battery_mah is not None:
        return f"{device.battery_mah} mAh"
    return None


def spec_rows(listing: Mapping[str, Any], device: Device | None) -> list[SpecRow]:
    """The listing's extracted specs beside the device's catalog facts, one row per kind."""
    # The same text the matcher scores (see `Matcher.score_listing`), so spans agree with its reasons.
    attributes = " | ".join(f"{k}: {v}" for k, v in (listing.get("attributes") or {}).items())
    text = f"{listing['title']}\n{listing.get('description') or ''}\n{attributes}"
    found: dict[str, list[str]] = {}
    for spec in extract_specs(fold(text)):
        excerpt = text[spec.span[0] : spec.span[1]]
        shown = f'{_spec_value(spec)} ("{excerpt}")'
        if shown not in found.setdefault(spec.kind, []):
            found[spec.kind].append(shown)
    rows = []
    for kind, label in _SPEC_LABELS.items():
        catalog = _catalog_value(kind, device) if device else None
        if kind in found or (catalog and kind != "length"):
            rows.append(SpecRow(label, tuple(found.get(kind, ())), catalog))
    if device:
        for label, value in (
            ("Chipset", device.chipset),
            ("Networks", ", ".join(device.networks)),
            ("Features", ", ".join(device.features)),
        ):
            if value:
                rows.append(SpecRow(label, (), value))
    return rows


def _device(catalog: Catalog, device_id: str | None) -> Device | None:
    if device_id is None:
        return None
    try:
        return catalog.get(device_id)
    except KeyError:
        return None


def render_report_html(
    marketplace: Mapping[str, Any],
    listings: Sequence[Mapping[str, Any]],
    screenshots: Mapping[int, Sequence[Screenshot]],
    unit: UnitContact,
    catalog: Catalog,
    created_at: datetime,
) -> str:
    """The report for one marketplace's listings (manifest records, see `evidence.referral`)."""
    sections = []
    for listing in listings:
        match = listing.get("match") or {}
        device = _device(catalog, match.get("device_id"))
        sections.append(
            {
                "record": listing,
                "match": match,
                "device": device,
                "device_missing": bool(match.get("device_id")) and device is None,
                "specs": spec_rows(listing, device),
                "screenshots": screenshots.get(listing["listing_id"], ()),
                "safe_url": listing["url"] if listing["url"].startswith(("http://", "https://")) else None,
            }
        )
    return (
        _environment()
        .get_template("report.html")
        .render(
            marketplace=marketplace,
            sections=sections,
            unit=unit,
            catalog_version=catalog.version,
            created_at=created_at.astimezone(UTC).isoformat(timespec="seconds"),
            integrity=INTEGRITY_STATEMENT.format(unit=unit.name),
            version=__version__,
        )
    )


def _fix_pdf_dates(pdf: bytes, created_at: datetime) -> bytes:
    stamp = created_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'").encode()

    def replace(match: re.Match[bytes]) -> bytes:
        fixed = b"/" + match.group(1) + b" (" + stamp + b")"
        # Same length only: the PDF's cross-reference table holds byte offsets.
        return fixed if len(fixed) == len(match.group(0)) else match.group(0)

    return _PDF_DATE.sub(replace, pdf)


def render_pdfs(htmls: Sequence[str], created_at: datetime) -> list[bytes]:
    """Each HTML report printed to an A4 PDF by one headless Chromium, offline."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from crawler.settings import PLAYWRIGHT_LAUNCH_OPTIONS

    launch_options: dict[str, Any] = dict(PLAYWRIGHT_LAUNCH_OPTIONS)
    pdfs = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options)
            try:
                for html in htmls:
                    page = browser.new_page()
                    page.route("**/*", lambda route: route.abort())  # the report loads nothing
                    page.set_content(html, wait_until="load")
                    pdfs.append(page.pdf(format="A4", print_background=True))
                    page.close()
            finally:
                browser.close()
    except PlaywrightError as exc:
        executable = launch_options.get("executable_path")
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportRenderError(f"PDF report: Chromium ({executable}) failed: {first_line}") from None
    return [_fix_pdf_dates(pdf, created_at) for pdf in pdfs]
