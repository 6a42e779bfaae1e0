"""The identity engine applied to the database, on real astro-ph records (A. C. Fabian's name
forms, copied from ../shared/data/arxiv/snapshot into tests/data/identity)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from publications.identity_service import resolve_identities
from publications.models import (
    Author,
    Authorship,
    AuthorshipSource,
    IdentityDecision,
    IdentityReview,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FABIAN = Path(__file__).resolve().parent.parent / "data" / "identity" / "astro-ph-fabian.jsonl"
FORMS = ["A. C. Fabian", "Andrew C. Fabian", "Andy C. Fabian", "Andy Fabian", "Andrew Fabian"]


@pytest.fixture
def imported():
    call_command("import_arxiv", "--no-progress", str(FABIAN))


def _records_of_forms() -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for name, author_id in Authorship.objects.filter(printed_name__in=FORMS).values_list(
        "printed_name", "author_id"
    ):
        out.setdefault(name, set()).add(author_id)
    return out


def test_name_forms_join_one_record_and_merged_slugs_redirect(imported, client):
    before = {a.slug for a in Author.objects.filter(authorships__printed_name__in=FORMS)}
    assert len(before) == 5  # today's import: one record per name key
    result = resolve_identities(names=["A. C. Fabian"])
    assert result.merged == 4
    records = set().union(*_records_of_forms().values())
    assert len(records) == 1
    survivor = Author.objects.get(pk=records.pop())
    assert survivor.slug == "a-c-fabian"  # the largest record survives
    for slug in before - {survivor.slug}:
        response = client.get(f"/authors/{slug}/")
        assert response.status_code == 301
        assert response["Location"].endswith(f"/authors/{survivor.slug}/")
    decision = IdentityDecision.objects.get()
    assert decision.kind == "merge" and decision.records[0] == survivor.pk
    assert decision.reason.startswith("one person: ")
    assert decision.evidence["shared_coauthors"] >= 1


def test_second_pass_changes_nothing(imported):
    resolve_identities(names=["A. C. Fabian"])
    state = sorted(Authorship.objects.values_list("id", "author_id", "source"))
    live = sorted(Author.objects.live().values_list("id", flat=True))
    again = resolve_identities(names=["A. C. Fabian"])
    assert (again.merged, again.proposals) == (0, 0)
    assert sorted(Authorship.objects.values_list("id", "author_id", "source")) == state
    assert sorted(Author.objects.live().values_list("id", flat=True)) == live
    assert IdentityDecision.objects.count() == 1


def test_claimed_record_is_never_changed_and_gets_a_proposal(imported):
    owner = UserFactory()
    claimed = Author.objects.get(slug="andy-fabian")
    claimed.claimed_by = owner
    claimed.save(update_fields=["claimed_by"])
    own = set(Authorship.objects.filter(author=claimed).values_list("id", flat=True))
    resolve_identities(names=["A. C. Fabian"])
    claimed.refresh_from_db()
    assert claimed.merged_into_id is None
    assert set(Authorship.objects.filter(author=claimed).values_list("id", flat=True)) == own
    proposal = IdentityDecision.objects.get(kind="proposal")
    assert proposal.author_id == claimed.pk
    # Proposed once: a second pass does not repeat it.
    resolve_identities(names=["A. C. Fabian"])
    assert IdentityDecision.objects.filter(kind="proposal").count() == 1


def test_not_mine_attribution_survives_a_pass(imported):
    """An authorship an owner disowned (source "claim") stays where people put it."""
    disowned = Authorship.objects.filter(printed_name="Andrew Fabian").first()
    other = Author.objects.create(display_name="Andrew Fabian", name_key="andrew fabian x",
                                  slug="andrew-fabian--2", receives_imports=False)  # fmt: skip
    Authorship.objects.filter(pk=disowned.pk).update(author=other, source=AuthorshipSource.CLAIM)
    resolve_identities(names=["A. C. Fabian"])
    disowned.refresh_from_db()
    assert disowned.author_id == other.pk
    assert Author.objects.get(pk=other.pk).merged_into_id is None


def _undo_merge_and_split():
    """A full pass (co-authors' name forms are joined too), then a curator undoes the engine's
    merge of "Andy Fabian" into "A. C. Fabian" and splits two works off. Returns (the survivor,
    Andy's record, the split-off record)."""
    from publications.curation import split_author, unmerge_author
    from tests.factories import CuratorFactory

    curator = CuratorFactory(username="curator")
    resolve_identities()
    survivor = Author.objects.get(slug="a-c-fabian")
    andy = Author.objects.get(slug="andy-fabian")
    assert andy.merged_into_id == survivor.pk
    unmerge_author(author_id=andy.pk, actor=curator)
    works = list(
        Authorship.objects.filter(author=survivor, printed_name="A. C. Fabian").values_list(
            "work_id", flat=True
        )[:2]
    )
    new, _ = split_author(author_id=survivor.pk, work_ids=works, actor=curator)
    return survivor, andy, new


def test_curator_split_and_undone_merge_survive_a_full_pass(imported):
    survivor, andy, new = _undo_merge_and_split()
    state = sorted(Authorship.objects.values_list("id", "author_id", "source"))
    result = resolve_identities()  # the next full pass
    assert (result.merged, result.proposals) == (0, 0)
    assert sorted(Authorship.objects.values_list("id", "author_id", "source")) == state
    andy.refresh_from_db()
    new.refresh_from_db()
    assert andy.merged_into_id is None and new.merged_into_id is None
    # Nothing proposes joining what the curator took apart.
    assert not IdentityDecision.objects.filter(
        kind="proposal", records__contains=[andy.pk, survivor.pk]
    ).exists()


def test_followers_of_a_merged_record_move_to_the_survivor(imported):
    """A record with followers goes through the curation merge: the follow moves, and a user
    who followed both records keeps one follow."""
    from profiles.models import Follow

    both, one = UserFactory(), UserFactory()
    andy = Author.objects.get(slug="andy-fabian")
    main = Author.objects.get(slug="a-c-fabian")
    Follow.objects.create(user=both, author=andy)
    Follow.objects.create(user=both, author=main)
    Follow.objects.create(user=one, author=andy)
    resolve_identities(names=["A. C. Fabian"])
    andy.refresh_from_db()
    assert andy.merged_into_id == main.pk
    assert sorted(Follow.objects.values_list("user_id", "author_id")) == sorted(
        [(both.pk, main.pk), (one.pk, main.pk)]
    )


def test_an_engine_merge_is_undone_exactly_by_a_curator(imported):
    """The batch merge records what moved, so the curator's undo puts every authorship back."""
    from publications.curation import unmerge_author
    from tests.factories import CuratorFactory

    before = sorted(Authorship.objects.values_list("id", "author_id", "source"))
    resolve_identities(names=["A. C. Fabian"])
    merged = list(Author.objects.filter(merged_into__isnull=False).values_list("pk", flat=True))
    assert len(merged) == 4
    survivor = Author.objects.get(slug="a-c-fabian")
    assert survivor.works_count == Authorship.objects.filter(author=survivor).count()
    curator = CuratorFactory(username="curator")
    for pk in merged:
        unmerge_author(author_id=pk, actor=curator)
    assert sorted(Authorship.objects.values_list("id", "author_id", "source")) == before
    assert not Author.objects.filter(merged_into__isnull=False).exists()


def test_a_second_full_pass_over_the_fixtures_changes_nothing():
    """Every real record of the identity fixtures, a full pass, then another: the second finds
    nothing (it reads the authorships the first moved in another order, and its records are
    the first pass's survivors)."""
    for path in (FABIAN, FABIAN.parent / "records-sample.jsonl"):
        call_command("import_arxiv", "--no-progress", str(path))
    first = resolve_identities()
    assert first.merged >= 4
    state = sorted(Authorship.objects.values_list("id", "author_id", "source"))
    live = sorted(Author.objects.live().values_list("id", flat=True))
    decisions = IdentityDecision.objects.count()
    again = resolve_identities()
    assert (again.merged, again.proposals) == (0, 0)
    assert sorted(Authorship.objects.values_list("id", "author_id", "source")) == state
    assert sorted(Author.objects.live().values_list("id", flat=True)) == live
    assert IdentityDecision.objects.count() == decisions


def test_records_kept_apart_stay_apart_in_the_second_pass(imported):
    """Curators rejected joining "Andrew C. Fabian" and "Andrew Fabian": the first pass keeps
    them apart whichever other record each joins, and so does the second (the pair now stands
    for the records that hold them)."""
    andrew_c = Author.objects.get(slug="andrew-c-fabian")
    andrew = Author.objects.get(slug="andrew-fabian")
    IdentityDecision.objects.create(
        kind=IdentityDecision.Kind.PROPOSAL, author=andrew_c, records=[andrew_c.pk, andrew.pk],
        reason="one person: 2 name forms", confidence=0.9, review=IdentityReview.REJECTED,
    )  # fmt: skip
    first = resolve_identities(names=["A. C. Fabian"])
    assert first.merged >= 1
    holder = {
        a.pk: a.merged_into_id or a.pk
        for a in Author.objects.filter(pk__in=[andrew_c.pk, andrew.pk])
    }
    assert holder[andrew_c.pk] != holder[andrew.pk]
    state = sorted(Authorship.objects.values_list("id", "author_id", "source"))
    again = resolve_identities(names=["A. C. Fabian"])
    assert (again.merged, again.proposals) == (0, 0)
    assert sorted(Authorship.objects.values_list("id", "author_id", "source")) == state


SECOND_PASS = FABIAN.parent / "astro-ph-second-pass.jsonl"


def test_the_records_a_second_astro_ph_pass_used_to_merge_are_joined_in_the_first():
    """Every astro-ph record (copied from ../shared/data/arxiv/snapshot) of the three names a
    second full pass over the astro-ph database used to merge: A. R. Martel's two records of 9
    authorships each (equal sizes told apart by record ids, and the first pass used other ids
    than the records its merges became), "Pat" and "Patrick Morris", "K." and "Kenneth Gayley"
    (the same support in several records: the one counted depended on the order the
    authorships were read, and a merge changes that order)."""
    call_command("import_arxiv", "--no-progress", str(SECOND_PASS))
    first = resolve_identities()
    assert first.merged >= 3
    state = sorted(Authorship.objects.values_list("id", "author_id", "source"))
    again = resolve_identities()
    assert (again.merged, again.proposals) == (0, 0)
    assert sorted(Authorship.objects.values_list("id", "author_id", "source")) == state


@pytest.mark.parametrize("without", [False, True])
def test_a_pass_over_many_records_finds_the_same_fixed_and_separated_records(
    imported, monkeypatch, without
):
    """A pass over more records than RECORDS_IN_SQL_MAX reads the curation rows and claimed
    records without naming its records in SQL: the same records come out fixed and kept apart,
    and none outside the pass."""
    from publications import identity_service as service

    survivor, andy, new = _undo_merge_and_split()
    claimed = (
        Author.objects.filter(merged_into__isnull=True)
        .exclude(pk__in=[survivor.pk, andy.pk, new.pk])
        .order_by("pk")
        .first()
    )
    claimed.claimed_by = UserFactory()
    claimed.save(update_fields=["claimed_by"])
    _, record_of, source_of, _ = service._load(None)
    records = set(record_of.values())
    if without:  # a pass that does not hold the claimed record
        records.discard(claimed.pk)
        record_of = {a: r for a, r in record_of.items() if r != claimed.pk}
        source_of = {a: s for a, s in source_of.items() if a in record_of}

    def found():
        return (
            service._fixed_records(records, source_of, record_of),
            service._separated_by_curators(records),
        )

    named = found()
    monkeypatch.setattr(service, "RECORDS_IN_SQL_MAX", 0)
    assert found() == named
    fixed, separated = named
    assert new.pk in fixed
    assert (claimed.pk in fixed) is not without
    assert frozenset((andy.pk, survivor.pk)) in separated
