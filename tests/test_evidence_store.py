"""The content-addressed evidence store and the hash-chained custody log."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from evidence.custody import GENESIS_HASH, append_custody, custody_entries, verify_chain
from evidence.store import EvidenceStore
from storage.db import create_db_engine, session_factory, upgrade_database
from storage.models import CustodyEntry

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_put_names_the_blob_by_its_sha256_and_makes_it_read_only(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    blob = store.put(b"listing page")
    assert blob.sha256 == hashlib.sha256(b"listing page").hexdigest()
    assert blob.path == tmp_path / "ev" / blob.sha256[:2] / blob.sha256
    assert blob.path.read_bytes() == b"listing page" and not blob.reused
    assert not os.access(blob.path, os.W_OK) or os.geteuid() == 0
    assert oct(blob.path.stat().st_mode & 0o777) == oct(0o444)
    assert list(store.blobs()) == [blob.sha256]
    assert store.digest_of(blob.sha256) == blob.sha256


def test_storing_the_same_bytes_again_reuses_the_blob_without_rewriting_it(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    first = store.put(b"same")
    inode, mtime = first.path.stat().st_ino, first.path.stat().st_mtime_ns
    again = store.put(b"same")
    assert again.reused and again.path == first.path
    assert (first.path.stat().st_ino, first.path.stat().st_mtime_ns) == (inode, mtime)
    assert not [p for p in first.path.parent.iterdir() if p.name.startswith(".incoming")]


def _incoming(store: EvidenceStore) -> list[Path]:
    return [p for p in store.root.glob("??/.incoming-*")]


def test_deferred_blobs_get_their_names_only_when_the_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EvidenceStore(tmp_path)
    kept = store.put(b"already there")
    syncs: list[int] = []
    monkeypatch.setattr(os, "sync", lambda: syncs.append(1))
    monkeypatch.setattr(os, "fsync", lambda fd: pytest.fail("no fsync per blob while deferring"))
    with store.deferred_sync():
        first = store.put(b"warc bytes")
        again = store.put(b"warc bytes")
        old = store.put(b"already there")
        assert not first.reused and again.reused and old.reused and old.path == kept.path
        assert not first.path.exists() and len(_incoming(store)) == 1
        assert syncs == []
    assert syncs == [1]
    assert first.path.read_bytes() == b"warc bytes"
    assert oct(first.path.stat().st_mode & 0o777) == oct(0o444)
    assert _incoming(store) == []


def test_a_failed_deferred_block_names_no_blob_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    with pytest.raises(RuntimeError, match="capture failed"), store.deferred_sync():
        lost = store.put(b"never committed")
        raise RuntimeError("capture failed")
    assert not lost.path.exists() and _incoming(store) == []
    assert list(store.blobs()) == []
    with store.deferred_sync(), pytest.raises(RuntimeError, match="do not nest"), store.deferred_sync():
        pass


def test_an_altered_blob_no_longer_matches_its_name(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    blob = store.put(b"original")
    blob.path.chmod(0o644)
    blob.path.write_bytes(b"tampered")
    assert store.digest_of(blob.sha256) != blob.sha256


@pytest.mark.parametrize("name", ["", "abc", "g" * 64, "../" + "a" * 61])
def test_path_for_refuses_what_is_not_a_digest(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a SHA-256"):
        EvidenceStore(tmp_path).path_for(name)


def _clock(start: datetime = T0):
    ticks = iter(range(10_000))
    return lambda: start + timedelta(seconds=next(ticks))


def test_custody_entries_chain_and_verify(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    clock = _clock()
    with sessions.begin() as session:
        first = append_custody(
            session, actor="crawler", action="capture", evidence_hashes=["b" * 64, "a" * 64], clock=clock
        )
        second = append_custody(
            session, actor="alice", action="review.confirm", details={"note": "ok"}, clock=clock
        )
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.entry_hash
    assert first.evidence_hashes == ["a" * 64, "b" * 64]
    with sessions() as session:
        entries = custody_entries(session)
        assert [e.recorded_at for e in entries] == [T0, T0 + timedelta(seconds=1)]
        assert verify_chain(entries) == []


def test_verify_names_an_altered_and_a_removed_entry(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        ids = [append_custody(session, actor="crawler", action=f"step{n}").id for n in range(4)]
    with sessions.begin() as session:
        session.execute(update(CustodyEntry).where(CustodyEntry.id == ids[1]).values(actor="mallory"))
        session.delete(session.get(CustodyEntry, ids[2]))
    with sessions() as session:
        problems = [str(p) for p in verify_chain(custody_entries(session))]
    assert problems == [
        f"custody entry {ids[1]}: content does not match its hash (entry altered)",
        f"custody entry {ids[3]}: does not link to the entry before it (a removed or reordered entry)",
    ]


def _append_in_process(url: str, worker: int) -> None:
    sessions = session_factory(create_db_engine(url))
    for n in range(15):
        with sessions.begin() as session:
            append_custody(session, actor=f"worker{worker}", action="capture", details={"n": n})


def test_concurrent_appenders_keep_one_unbroken_chain(database_url: str) -> None:
    upgrade_database(database_url)
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_append_in_process, args=(database_url, n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    with session_factory(create_db_engine(database_url))() as session:
        entries = custody_entries(session)
        assert len(entries) == 45
        assert verify_chain(entries) == []
        assert len(set(session.scalars(select(CustodyEntry.prev_hash)))) == 45
