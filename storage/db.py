"""Engines, sessions and schema upgrades.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout, so
several crawl processes can write to one file; PostgreSQL is reached through psycopg 3. The
schema is only ever created by the Alembic migrations in ``storage/migrations``; Alembic is
imported only where the schema is checked or upgraded, so worker processes that write to an
already upgraded database (`worker_sessions`) start without it.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Arbitrary constant naming thumbwatch's schema-upgrade lock among PostgreSQL advisory locks.
PG_UPGRADE_LOCK_KEY = 7_041_925


class DatabaseError(Exception):
    """The database URL is unusable or the database cannot be reached."""


def normalise_database_url(url: str) -> str:
    """Validate `url`; plain ``postgresql://`` URLs use the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseError(
            f"unsupported database {parsed.get_backend_name()!r} in {url!r}: use sqlite or postgresql"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin): pysqlite's own implicit
    # transactions break SAVEPOINTs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL with synchronous=NORMAL is durable across application crashes, and a power
    # loss can only drop the last transactions, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# The execution option marking a unit of work that only reads (see `read_session`).
_READ_ONLY = "thumbwatch_read_only"


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so what a
    # transaction reads is still current when it writes: a deferred transaction whose snapshot
    # went stale could not write at all, and the custody log's tail must be read fresh. A
    # transaction that only reads needs neither, and waits for no writer.
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def read_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session that only reads: on SQLite its transaction reads a snapshot without taking the
    write lock, so other processes' writes do not wait for it (nor it for them)."""
    with sessions() as session:
        session.connection(execution_options={_READ_ONLY: True})
        yield session


# Every engine still in use, for `_dispose_engines` (weakly: an engine no longer used is closed
# when it is collected).
_LIVE_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


@atexit.register
def _dispose_engines() -> None:
    """Close every engine's pooled connections at exit. The last connection to a SQLite database
    to close checkpoints its write-ahead log into the database file, so that the file alone (a
    copy, a backup) holds every commit. The interpreter's teardown would close them too, but
    `crawler.cli` ends the process without one."""
    for engine in list(_LIVE_ENGINES):
        engine.dispose()


@lru_cache(maxsize=8)
def create_db_engine(url: str) -> Engine:
    """One engine per URL and process."""
    url = normalise_database_url(url)
    backend = make_url(url).get_backend_name()
    try:
        if backend == "sqlite":
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from None
    _LIVE_ENGINES.add(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@lru_cache(maxsize=8)
def worker_sessions(url: str) -> sessionmaker[Session]:
    """The sessions of a worker process that writes to an already upgraded database."""
    return session_factory(create_db_engine(url))


def _alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    """Serialise concurrent first-use upgrades from several processes."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.upgrade-lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_UPGRADE_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_UPGRADE_LOCK_KEY})
            connection.commit()


# The newest migration's revision, which `head_revision` reads from the migration scripts (a
# test checks they agree): a database already there is recognised by one query, without loading
# Alembic and its scripts, which took a tenth of a second of every command's start.
SCHEMA_REVISION = "0006"


def head_revision() -> str | None:
    """The newest revision among the migration scripts (Alembic's head)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at (Alembic's `alembic_version` table); None for a
    database no migration has run on."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def upgrade_database(url: str, revision: str = "head") -> Engine:
    """Bring the schema at `url` up to `revision`; cheap when it already is."""
    engine = create_db_engine(url)
    try:
        if revision == "head" and current_revision(engine) == SCHEMA_REVISION:
            return engine
        with _upgrade_lock(engine), engine.begin() as connection:
            config = _alembic_config(str(engine.url.render_as_string(hide_password=False)))
            config.attributes["connection"] = connection
            from alembic import command

            command.upgrade(config, revision)
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach database {engine.url!r}: {exc.orig}") from None
    return engine
