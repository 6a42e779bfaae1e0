"""A JSON-lines record holding a NUL character (which PostgreSQL text cannot store) is skipped and
reported on its own; the rest of the file is imported and the run finishes."""

from __future__ import annotations

import json

import pytest

from publications.models import ImportRun, Work
from publications.services import import_path
from tests.conftest import ARXIV

pytestmark = pytest.mark.django_db


def test_one_record_with_a_nul_is_skipped_and_reported(tmp_path):
    lines = (ARXIV / "abs-current-30.jsonl").read_text().splitlines()[:3]
    poisoned = json.loads(lines[1])
    poisoned["title"] = poisoned["title"][:10] + "\x00" + poisoned["title"][10:]
    lines[1] = json.dumps(poisoned)
    assert "\\u0000" in lines[1]
    path = tmp_path / "one-nul.jsonl"
    path.write_text("\n".join(lines) + "\n")

    run = import_path(path)

    assert run.status == ImportRun.Status.FINISHED
    assert (run.records_seen, run.records_created, run.records_skipped) == (3, 2, 1)
    assert [(e["where"], e["reason"]) for e in run.errors] == [
        ("line 2", "a NUL character (\\u0000) in a field")
    ]
    assert not Work.objects.filter(arxiv_id=poisoned["id"]).exists()
    assert Work.objects.count() == 2


def test_a_nul_anywhere_in_the_record_counts(tmp_path):
    line = json.loads((ARXIV / "abs-current-30.jsonl").read_text().splitlines()[0])
    line["versions"][0]["created"] += "\x00"
    path = tmp_path / "nested-nul.jsonl"
    path.write_text(json.dumps(line) + "\n")
    run = import_path(path)
    assert (run.records_created, run.records_skipped) == (0, 1)
    assert "NUL" in run.errors[0]["reason"]
