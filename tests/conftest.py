"""Shared fixtures: isolated configuration, databases (SQLite always, PostgreSQL when
``THUMBWATCH_TEST_POSTGRES_URL`` is set) and the read-only ../shared data.

Under pytest-xdist each worker uses a PostgreSQL database of its own (``test_gw0``, ``test_gw1``,
... next to the one the URL names), so that database-wide state such as advisory locks is never
shared between workers; each test then gets a fresh schema in it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

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


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The PostgreSQL database of this test process: the one ``THUMBWATCH_TEST_POSTGRES_URL``
    names or, in a pytest-xdist worker, a database of the worker's own created next to it (and
    dropped at the end)."""
    if not POSTGRES_URL:
        pytest.skip("THUMBWATCH_TEST_POSTGRES_URL is not set")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield POSTGRES_URL
        return
    base = make_url(POSTGRES_URL)
    name = f"{base.database or base.username}_{worker}"
    admin = create_engine(_psycopg(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # WITH (FORCE): a database left behind by a killed run
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    schema = f"tw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_psycopg(base_url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
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
    yield from _postgres_schema_url(request.getfixturevalue("postgres_url"))
