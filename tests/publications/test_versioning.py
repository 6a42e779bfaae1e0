"""The version rules of the import, without a database, on real records."""

import datetime as dt

from publications.arxiv import snapshot
from publications.arxiv.records import WorkRecord
from publications.versioning import StoredWork, content_hash, newest_per_id, supersedes
from tests.conftest import ARXIV


def records(name: str) -> dict[str, WorkRecord]:
    return {
        r.arxiv_id: r for r in snapshot.open_snapshot(ARXIV / name) if isinstance(r, WorkRecord)
    }


def stored(record: WorkRecord) -> StoredWork:
    return StoredWork(
        1,
        record.version_count,
        record.latest_version_date,
        content_hash(record),
        record.metadata_date,
    )


OLDER, CURRENT = records("abs-older-versions.jsonl"), records("abs-current-30.jsonl")


def test_a_newer_version_supersedes_and_an_older_one_does_not():
    newer = (
        CURRENT["0704.0716"]
        if "0704.0716" in CURRENT
        else next(r for k, r in CURRENT.items() if r.version_count > OLDER[k].version_count)
    )
    older = OLDER[newer.arxiv_id]
    assert supersedes(newer, content_hash(newer), stored(older))
    assert not supersedes(older, content_hash(older), stored(newer))


def test_the_same_record_again_changes_nothing():
    for record in CURRENT.values():
        assert not supersedes(record, content_hash(record), stored(record))


def test_same_version_other_metadata_needs_a_date_at_least_as_recent():
    abs_record = records("abs-0704.0005.jsonl")["0704.0005"]
    kaggle = records("kaggle-0704.0005.jsonl")["0704.0005"]
    assert abs_record.version_count == kaggle.version_count == 1
    assert kaggle.metadata_date == dt.date(2013, 10, 15)
    assert supersedes(kaggle, content_hash(kaggle), stored(abs_record))
    assert not supersedes(abs_record, content_hash(abs_record), stored(kaggle))


def test_newest_per_id_keeps_the_newest_version_of_duplicates():
    pairs = [OLDER[k] for k in CURRENT] + list(CURRENT.values())
    kept = {r.arxiv_id: r for r in newest_per_id(pairs)}
    assert len(kept) == len(CURRENT)
    for arxiv_id, record in kept.items():
        assert record.version_count == max(
            OLDER[arxiv_id].version_count, CURRENT[arxiv_id].version_count
        )
