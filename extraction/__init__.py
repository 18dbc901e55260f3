"""Layered listing extraction: any product or search-results page to listing fields.

``extract_page`` applies schema.org markup, meta tags, embedded state, marketplace selectors
and generic heuristics in that order; ``decode_html`` turns saved or fetched bytes into text.
"""

from __future__ import annotations

from extraction.decode import decode_html, read_html
from extraction.extract import extract_page
from extraction.files import ExtractionFileError, extract_files
from extraction.model import LAYERS, PageExtraction, ResultCard

__all__ = ["LAYERS", "ExtractionFileError", "PageExtraction", "ResultCard", "decode_html",
           "extract_files", "extract_page", "read_html"]
