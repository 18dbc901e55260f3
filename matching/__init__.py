"""Matching: decides whether a listing sells a contraband-type mini phone and which model.

Public API (see the lead's contract): `load_catalog`, `Catalog`, `Device`, `CatalogError`,
`Matcher`, `MatchResult`, `Reason`, `get_matcher`, `search_queries`, `MATCHER_VERSION`,
`MatchWeights`, `DEFAULT_WEIGHTS`.
"""

from __future__ import annotations

from matching.catalog import Catalog, CatalogError, Device, load_catalog
from matching.matcher import MATCHER_VERSION, Matcher, get_matcher
from matching.result import MatchResult, Reason
from matching.terms import search_queries
from matching.weights import DEFAULT_WEIGHTS, MatchWeights

__all__ = [
    "DEFAULT_WEIGHTS",
    "MATCHER_VERSION",
    "Catalog",
    "CatalogError",
    "Device",
    "MatchResult",
    "MatchWeights",
    "Matcher",
    "Reason",
    "get_matcher",
    "load_catalog",
    "search_queries",
]
