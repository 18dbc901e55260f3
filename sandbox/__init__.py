"""A local, deterministic stand-in for the marketplaces thumbwatch watches.

Three sites on one port (``/bazaar/`` server-rendered, ``/jsmarket/`` JavaScript-rendered,
``/shop/`` with schema.org JSON-LD) serve a catalogue generated from a seed, with the
ground truth (`site_truth`) that crawl tests compare against.
"""

from __future__ import annotations

from sandbox.catalogue import (
    DEFAULT_LISTINGS,
    DEFAULT_SEED,
    SITES,
    SandboxListing,
    generate_catalogue,
)
from sandbox.search import FAULT_KINDS, SearchIndex, SiteTruth, fault_plan, site_truth
from sandbox.server import SandboxServer, run_sandbox

__all__ = [
    "DEFAULT_LISTINGS",
    "DEFAULT_SEED",
    "FAULT_KINDS",
    "SITES",
    "SandboxListing",
    "SandboxServer",
    "SearchIndex",
    "SiteTruth",
    "fault_plan",
    "generate_catalogue",
    "run_sandbox",
    "site_truth",
]
