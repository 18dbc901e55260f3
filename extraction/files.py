"""Running the extractor over saved page files (what ``thumbwatch extract FILE...`` prints)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from extraction.decode import read_html
from extraction.extract import extract_page


class ExtractionFileError(Exception):
    """A page file that cannot be read or decoded; the message names the file."""


def read_page_file(path: Path) -> str:
    """The text of a saved page (``.gz`` files are decompressed first)."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ExtractionFileError(f"cannot read {path}: {exc}") from exc
    try:
        return read_html(data)
    except (LookupError, UnicodeError) as exc:
        raise ExtractionFileError(f"cannot decode {path}: {exc}") from exc


def extract_files(paths: Sequence[Path], url: str | None = None) -> Iterator[dict[str, Any]]:
    """One JSON-able dict per file: ``file`` and every extracted field (None when absent).

    ``url`` is the pages' address when known (one URL for all files); without it each page's
    canonical link or og:url stands in.
    """
    for path in paths:
        page = extract_page(read_page_file(Path(path)), url=url)
        yield {"file": str(path), **page.to_dict()}
