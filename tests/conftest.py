"""Shared fixtures: isolated configuration, databases (SQLite always, PostgreSQL when
``THUMBWATCH_TEST_POSTGRES_URL`` is set) and the read-only ../shared data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("THUMBWATCH_TEST_POSTGRES_URL")


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data directory and SQLite database."""
    from crawler.config import get_settings

    home = tmp_path / "home"
    monkeypatch.setenv("THUMBWATCH_HOME", str(home))
    monkeypatch.delenv("THUMBWATCH_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data directory {SHARED_DIR} is not present (a clone outside the workspace)")
    return SHARED_DIR


def _postgres_schema_url() -> Iterator[str]:
    assert POSTGRES_URL is not None
    schema = f"tw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("THUMBWATCH_TEST_POSTGRES_URL is not set")
    yield from _postgres_schema_url()
