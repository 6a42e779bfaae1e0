"""Where the identity engine runs: at the end of every import (the name blocks it wrote, read by
their stored block key), and nightly as Celery tasks per group of blocks. Real astro-ph records
(copied from ../shared/data/arxiv/snapshot into tests/data/identity)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from publications import identity_service
from publications.identity.names import block_key
from publications.identity_service import (
    _load,
    block_groups,
    key_blocks,
    rekey_blocks,
    resolve_identities,
)
from publications.models import Author, Authorship, IdentityDecision, Work
from publications.services import import_path
from publications.tasks import resolve_identities_nightly, resolve_identity_blocks
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _identity_on_import(settings):
    """On in production; the test environment turns it off for the other areas' tests."""
    settings.BZPEER_IDENTITY_ON_IMPORT = True


DATA = Path(__file__).resolve().parent.parent / "data" / "identity"
FABIAN = DATA / "astro-ph-fabian.jsonl"
SECOND_PASS = DATA / "astro-ph-second-pass.jsonl"
FORMS = ["A. C. Fabian", "Andrew C. Fabian", "Andy C. Fabian", "Andy Fabian", "Andrew Fabian"]


def _records_of(names: list[str]) -> set[int]:
    return set(
        Authorship.objects.filter(printed_name__in=names).values_list("author_id", flat=True)
    )


def _people() -> set[frozenset[int]]:
    """The authorships of each live record (ids of records aside: what a pass decided)."""
    out: dict[int, set[int]] = {}
    for pk, author_id in Authorship.objects.values_list("pk", "author_id"):
        out.setdefault(author_id, set()).add(pk)
    return {frozenset(v) for v in out.values()}


def _split(path: Path, tmp_path: Path, last: int) -> tuple[Path, Path]:
    lines = path.read_text().splitlines()
    head, tail = tmp_path / "head.jsonl", tmp_path / "tail.jsonl"
    head.write_text("\n".join(lines[:-last]) + "\n")
    tail.write_text("\n".join(lines[-last:]) + "\n")
    return head, tail


def test_import_arxiv_ends_with_resolved_records_counters_and_scores(
    django_capture_on_commit_callbacks,
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_arxiv", "--no-progress", str(FABIAN), stdout=out)
    text = out.getvalue()
    assert "identity: " in text and "records merged" in text
    assert "counters and trust scores of " in text
    records = _records_of(FORMS)
    assert len(records) == 1  # five name-key records before the pass
    fabian = Author.objects.get(pk=records.pop())
    assert fabian.merged_into_id is None
    assert fabian.works_count == Authorship.objects.filter(author=fabian).count()
    assert fabian.trust_formula_version > 0  # scored after the merges
    merged = Author.objects.filter(merged_into=fabian)
    assert merged.count() == 4
    assert all(a.works_count == 0 for a in merged)


def test_import_arxiv_without_identity_leaves_records_by_name_key():
    call_command("import_arxiv", "--no-progress", "--no-identity", str(FABIAN), stdout=StringIO())
    assert len(_records_of(FORMS)) == 5
    assert not IdentityDecision.objects.exists()


def test_a_failed_pass_keeps_the_import_and_says_so(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr(identity_service, "resolve_identities", broken)
    err = StringIO()
    with pytest.raises(CommandError, match="identity pass failed: RuntimeError: engine down"):
        call_command("import_arxiv", "--no-progress", str(FABIAN), stdout=StringIO(), stderr=err)
    assert "records stay by name key" in err.getvalue()
    assert Work.objects.count() == 52  # every record imported stays
    assert len(_records_of(FORMS)) == 5


def test_the_importer_stores_each_authorships_block_key():
    import_path(FABIAN, resolve=False)
    rows = list(Authorship.objects.values_list("printed_name", "block_key"))
    assert rows and all(key == block_key(name) for name, key in rows)


def test_a_changed_printed_name_loses_its_key_until_the_next_pass_keys_it():
    import_path(FABIAN, resolve=False)
    row = Authorship.objects.filter(printed_name="Andy Fabian").first()
    Authorship.objects.filter(pk=row.pk).update(printed_name="Zed Fabian")
    row.refresh_from_db()
    assert row.block_key is None  # never read under the old block
    assert key_blocks() == 1
    row.refresh_from_db()
    assert row.block_key == "fabian z"
    # A writer that sets the new key with the new name keeps it.
    Authorship.objects.filter(pk=row.pk).update(printed_name="Andy Fabian", block_key="fabian a")
    row.refresh_from_db()
    assert row.block_key == "fabian a"


def test_the_nightly_pass_stores_again_the_keys_the_name_folding_now_gives():
    """After an upgrade that changes names.block_key, stored keys are computed again."""
    import_path(FABIAN, resolve=False)
    row = Authorship.objects.filter(printed_name="Andy Fabian").first()
    Authorship.objects.filter(pk=row.pk).update(block_key="fabian q")  # an older folding's key
    groups = block_groups()
    assert "fabian q" not in {k for g in groups for k in g}
    row.refresh_from_db()
    assert row.block_key == "fabian a"
    assert rekey_blocks() == 0


def test_a_few_blocks_are_read_by_their_key_as_a_filtered_read_of_everything():
    import_path(SECOND_PASS, resolve=False)
    import_path(FABIAN, resolve=False)
    keys = {"fabian a", block_key("A. R. Martel")}
    mentions, record_of, source_of, coauthor_works = _load(keys)
    identity_service_threshold = identity_service.BLOCKS_READ_BY_INDEX
    try:
        identity_service.BLOCKS_READ_BY_INDEX = 0  # every row read, filtered in Python
        everything = _load(keys)
    finally:
        identity_service.BLOCKS_READ_BY_INDEX = identity_service_threshold
    assert mentions == everything[0]
    assert (record_of, source_of) == (everything[1], everything[2])
    vocabulary = {block_key(c) for m in mentions for c in m.coauthors}
    assert {k: coauthor_works[k] for k in vocabulary} == {k: everything[3][k] for k in vocabulary}
    assert len(mentions) < Authorship.objects.count()


def test_a_harvested_batch_joins_existing_records_reading_only_its_blocks(tmp_path):
    head, tail = _split(FABIAN, tmp_path, last=10)
    call_command("import_arxiv", "--no-progress", str(head), stdout=StringIO())
    before = _records_of(FORMS)
    assert len(before) == 1
    run = import_path(tail)  # a harvest goes through the same import_items
    result = run.identity
    assert result is not None and not run.identity_error
    assert set(run.touched_blocks) == {
        block_key(n)
        for n in Authorship.objects.filter(work__arxiv_id__in=_ids(tail)).values_list(
            "printed_name", flat=True
        )
    }
    # Only the batch's blocks were read, not the catalogue.
    assert result.authorships == Authorship.objects.filter(block_key__in=run.touched_blocks).count()
    assert result.authorships < Authorship.objects.count()
    assert _records_of(FORMS) == before  # the new Fabian authorships joined his record


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]


def test_an_import_with_the_pass_turned_off_does_not_resolve(settings):
    """``BZPEER_IDENTITY_ON_IMPORT=0``: the records stay by name key."""
    settings.BZPEER_IDENTITY_ON_IMPORT = False
    run = import_path(FABIAN)
    assert run.identity is None
    assert len(_records_of(FORMS)) == 5


def test_block_groups_cover_every_block_once_and_keep_a_records_blocks_together():
    import_path(SECOND_PASS, resolve=False)
    import_path(FABIAN, resolve=False)
    # A record holding two blocks (a curator joined two name forms by hand).
    henning = Authorship.objects.filter(block_key="fabian a").first()
    other = Authorship.objects.exclude(block_key="fabian a").order_by("block_key").last()
    Authorship.objects.filter(pk=other.pk).update(author=henning.author)
    groups = block_groups(authorships_per_group=20)
    assert len(groups) > 1
    flat = [k for g in groups for k in g]
    assert len(flat) == len(set(flat))
    assert set(flat) == set(Authorship.objects.values_list("block_key", flat=True))
    together = [g for g in groups if "fabian a" in g]
    assert len(together) == 1 and other.block_key in together[0]


def test_the_nightly_groups_decide_what_one_full_pass_decides(monkeypatch):
    import_path(SECOND_PASS, resolve=False)
    import_path(FABIAN, resolve=False)
    start = _people()
    point = transaction.savepoint()
    full = resolve_identities()
    after_full = _people()
    transaction.savepoint_rollback(point)
    assert _people() == start
    monkeypatch.setattr(identity_service, "AUTHORSHIPS_PER_GROUP", 50)
    groups = resolve_identities_nightly.delay().get()
    assert groups > 1
    assert full.merged > 0
    assert _people() == after_full
    # And a second nightly pass changes nothing.
    decisions = IdentityDecision.objects.count()
    resolve_identities_nightly.delay().get()
    assert _people() == after_full
    assert IdentityDecision.objects.count() == decisions


def test_the_nightly_pass_proposes_and_never_changes_a_claimed_record():
    import_path(FABIAN, resolve=False)
    claimed = Author.objects.get(slug="andy-fabian")
    claimed.claimed_by = UserFactory()
    claimed.save(update_fields=["claimed_by"])
    own = set(Authorship.objects.filter(author=claimed).values_list("pk", flat=True))
    resolve_identities_nightly.delay().get()
    claimed.refresh_from_db()
    assert claimed.merged_into_id is None
    assert set(Authorship.objects.filter(author=claimed).values_list("pk", flat=True)) == own
    proposal = IdentityDecision.objects.get(kind="proposal")
    assert proposal.author_id == claimed.pk


def test_a_group_task_resolves_only_its_blocks():
    import_path(SECOND_PASS, resolve=False)
    import_path(FABIAN, resolve=False)
    counts = resolve_identity_blocks.delay(["fabian a"]).get()
    assert counts["blocks"] == 1
    assert counts["authorships"] == Authorship.objects.filter(block_key="fabian a").count()
    assert len(_records_of(FORMS)) == 1


def test_the_nightly_pass_is_scheduled_and_offered_on_no_page_or_api(client):
    entry = settings.CELERY_BEAT_SCHEDULE["resolve-identities-nightly"]
    assert entry["task"] == "publications.tasks.resolve_identities_nightly"
    # Tasks are no user surface: no URL of the site, admin or API starts a pass.
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for p in resolver.url_patterns:
            if hasattr(p, "url_patterns"):
                yield from names(p, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), getattr(p.callback, "__name__", "")

    assert not [
        (route, view)
        for route, view in names(get_resolver())
        if "resolve" in route.lower() or "resolve_ident" in view.lower()
    ]
