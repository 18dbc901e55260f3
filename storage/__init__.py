"""Persistence of thumbwatch: typed SQLAlchemy models, the engine and sessions, idempotent
repository functions and the Alembic migrations that define the schema."""

from storage.db import DatabaseError, create_db_engine, session_factory, upgrade_database
from storage.models import (
    Base,
    CatalogImport,
    CrawlRun,
    Hit,
    Listing,
    ListingSnapshot,
    Marketplace,
    ReviewStatus,
    RunStatus,
    Seller,
)

__all__ = [
    "Base",
    "CatalogImport",
    "CrawlRun",
    "DatabaseError",
    "Hit",
    "Listing",
    "ListingSnapshot",
    "Marketplace",
    "ReviewStatus",
    "RunStatus",
    "Seller",
    "create_db_engine",
    "session_factory",
    "upgrade_database",
]
