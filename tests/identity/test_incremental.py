"""The incremental assignment of a small batch (publications/identity_incremental.py), on real
records: the labelled Wang records (tests/data/identity/records-sample.jsonl, gold-sample.tsv,
copied from ../shared/data/identity) and the two physicists printed "G. Wang"
(physics-g-wang.jsonl). The database holds every record but six; the six come as a daily batch
and print four name forms the database has never seen ("Guangjun Wang", "Guangwei Wang",
"Guofang Wang", "GuoPing Wang" and their co-authors' new forms)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from publications.curation import unmerge_author
from publications.identity import cluster
from publications.identity.batch import batch_pairs
from publications.identity.cluster import _compat_matrix, _variants, block_pairs
from publications.identity.evidence import Corpus
from publications.identity.labelled import mentions_from_records, read_records
from publications.identity.metrics import read_labels
from publications.identity.names import parse_name
from publications.identity_incremental import BatchResult, assign_batch, batch_mark, is_small_batch
from publications.identity_service import PassResult
from publications.models import Author, Authorship, AuthorshipSource, IdentityDecision
from publications.services import authorship_disown, import_path
from tests.factories import CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "identity"
SAMPLE = DATA / "records-sample.jsonl"
G_WANG = DATA / "physics-g-wang.jsonl"
# The batch: works printing a name form the database has not seen ("Guangjun Wang" is
# Guang-Jun Wang, "Guangwei Wang" Guang-Wei Wang, "Guofang Wang" Guo-Fang Wang, by the labels).
BATCH = {"9901.00175", "1001.00484", "1101.00702", "1101.00703", "0701.00455", "0901.00002"}


@pytest.fixture(autouse=True)
def _identity_on_import(settings):
    settings.BZPEER_IDENTITY_ON_IMPORT = True


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def files(tmp_path):
    lines = _lines(SAMPLE)
    head, tail = tmp_path / "head.jsonl", tmp_path / "batch.jsonl"
    head.write_text("\n".join(x for x in lines if json.loads(x)["id"] not in BATCH) + "\n")
    tail.write_text("\n".join(x for x in lines if json.loads(x)["id"] in BATCH) + "\n")
    return head, tail


@pytest.fixture
def stored(files):
    """The database before the batch: everything else imported and resolved (full passes)."""
    head, _ = files
    import_path(head)
    import_path(G_WANG)
    return files[1]


def _record_of(name: str) -> Author:
    (author_id,) = set(
        Authorship.objects.filter(printed_name=name).values_list("author_id", flat=True)
    )
    return Author.objects.get(pk=author_id)


def _state():
    return (
        sorted(Authorship.objects.values_list("id", "author_id", "source")),
        sorted(Author.objects.live().values_list("id", flat=True)),
        IdentityDecision.objects.count(),
    )


def test_the_first_import_and_a_large_batch_get_the_full_pass(files):
    head, tail = files
    first = import_path(head)  # into an empty database
    assert type(first.identity) is PassResult
    assert not is_small_batch(None)
    import_path(G_WANG)
    small = import_path(tail)
    assert isinstance(small.identity, BatchResult)
    # A batch of more than a tenth of the database's authorships is not small.
    mark = small.batch_mark
    assert Authorship.objects.filter(pk__gt=mark.authorships_before).count() < 0.1 * mark.stored
    bigger = type(mark)(mark.authorships_before, mark.records_before, stored=100)
    assert not is_small_batch(bigger)


def test_a_new_name_form_joins_the_existing_record_with_its_evidence(stored):
    guang_jun = _record_of("Guang-Jun Wang")
    guang_wei = _record_of("Guang-Wei Wang")
    run = import_path(stored)
    result = run.identity
    assert isinstance(result, BatchResult) and not run.identity_error
    assert result.new_records > 0 and result.merged > 0
    # The new forms are in the records of the people the labels say they are.
    assert _record_of("Guangjun Wang") == guang_jun
    assert _record_of("Guangwei Wang") == guang_wei
    decision = IdentityDecision.objects.get(kind="merge", author=guang_jun)
    assert decision.reason.startswith("one person: ")
    assert decision.evidence["shared_coauthors"] >= 1
    merged = Author.objects.get(pk=decision.records[1])
    assert merged.merged_into_id == guang_jun.pk and merged.name_key == "guangjun wang"
    # Only pairs holding a batch's authorship were scored.
    assert 0 < result.pairs_scored < result.authorships * (result.authorships - 1) / 2


def test_homonyms_stay_apart(stored):
    """No record the pass leaves holds two people of the labels, and the new "Guangjun Wang"
    joins neither "G. Wang" (a nuclear physicist and a detector physicist)."""
    g_wang = set(
        Authorship.objects.filter(printed_name="G. Wang").values_list("author_id", flat=True)
    )
    assert len(g_wang) == 2
    import_path(stored)
    assert _record_of("Guangjun Wang").pk not in g_wang
    labels = read_labels(DATA / "gold-sample.tsv")
    people: dict[int, set[str]] = {}
    for arxiv_id, position, author_id in Authorship.objects.values_list(
        "work__arxiv_id", "position", "author_id"
    ):
        if (arxiv_id, position) in labels:
            people.setdefault(author_id, set()).add(labels[(arxiv_id, position)])
    assert people and all(len(persons) == 1 for persons in people.values())


def test_a_claimed_record_gets_a_proposal_not_a_move(stored):
    owner = UserFactory()
    claimed = _record_of("Guang-Jun Wang")
    claimed.claimed_by = owner
    claimed.save(update_fields=["claimed_by"])
    own = set(Authorship.objects.filter(author=claimed).values_list("pk", flat=True))
    import_path(stored)
    claimed.refresh_from_db()
    assert set(Authorship.objects.filter(author=claimed).values_list("pk", flat=True)) == own
    new = _record_of("Guangjun Wang")
    assert new != claimed and new.merged_into_id is None
    proposal = IdentityDecision.objects.get(kind="proposal", author=claimed)
    assert proposal.records == [claimed.pk, new.pk]
    assert not IdentityDecision.objects.filter(kind="merge", author=claimed).exists()


def test_a_curator_undo_and_a_not_mine_survive_the_pass_run_again(stored):
    run = import_path(stored)
    guang_wei = _record_of("Guang-Wei Wang")
    decision = IdentityDecision.objects.get(kind="merge", author=guang_wei)
    (joined,) = decision.records[1:]
    # A curator takes the batch's "Guangwei Wang" record out again.
    unmerge_author(author_id=joined, actor=CuratorFactory(username="curator"))
    # The owner of Guang-Jun Wang's record says the batch's "Guangjun Wang" work is not theirs.
    guang_jun = _record_of("Guang-Jun Wang")
    guang_jun.claimed_by = UserFactory()
    guang_jun.save(update_fields=["claimed_by"])
    disowned = Authorship.objects.get(printed_name="Guangjun Wang")
    mine_not = authorship_disown(user=guang_jun.claimed_by, work=disowned.work, author=guang_jun)
    state = _state()
    again = assign_batch(run.batch_mark)
    assert (again.merged, again.proposals) == (0, 0)
    assert _state() == state
    assert Author.objects.get(pk=joined).merged_into_id is None
    disowned.refresh_from_db()
    assert disowned.author_id == mine_not.pk and disowned.source == AuthorshipSource.CLAIM


def test_running_it_twice_changes_nothing(stored):
    run = import_path(stored)
    assert run.identity.merged > 0
    state = _state()
    again = assign_batch(run.batch_mark)
    assert (again.merged, again.proposals, again.assessed) == (0, 0, 0)
    assert _state() == state


def test_the_records_it_creates_are_assessed_and_the_others_left_as_they_were(stored):
    """A new record holding only the batch's authorships gets the engine's assessment; a record
    holding older authorships too (an existing record joined it, or it got the batch's
    authorships by name key) keeps what the last full pass stored, until the nightly pass."""
    before = dict(Author.objects.values_list("pk", "identity_confidence"))
    run = import_path(stored)
    mark = run.batch_mark
    new_only, mixed = [], []
    for author in Author.objects.live().filter(pk__gt=mark.records_before):
        ids = Authorship.objects.filter(author=author).values_list("pk", flat=True)
        (new_only if min(ids) > mark.authorships_before else mixed).append(author)
    assert new_only and mixed
    assert all(a.identity_assessment and a.identity_confidence for a in new_only)
    assert all(not a.identity_assessment for a in mixed)
    for author in Author.objects.live().filter(pk__lte=mark.records_before):
        assert author.identity_confidence == before[author.pk]


def test_a_batch_creating_no_record_reads_nothing(stored):
    import_path(stored)
    mark = batch_mark()
    result = assign_batch(mark)
    assert (result.authorships, result.new_records, result.pairs_scored) == (0, 0, 0)


@pytest.mark.parametrize("large", [False, True])
def test_the_batch_pairs_are_the_full_pass_pairs_holding_a_new_authorship(monkeypatch, large):
    """``batch_pairs`` forms exactly the candidates ``block_pairs`` would score that hold one of
    the batch's authorships, in a small block (every compatible pair) and in a large one
    (posting lists, the long ones by time neighbours)."""
    if large:
        monkeypatch.setattr(cluster, "ALL_PAIRS_MAX", 2)
        monkeypatch.setattr(cluster, "POSTING_MAX", 6)
        monkeypatch.setattr(cluster, "WINDOW", 3)
    mentions, coauthor_works = mentions_from_records(
        read_records(SAMPLE), lambda n: parse_name(n).family == "wang"
    )
    corpus = Corpus(mentions, coauthor_works=coauthor_works)
    members = corpus.blocks["wang g"]
    names, variant_of = _variants(corpus, members)
    compat = _compat_matrix(names)
    a, b = block_pairs(corpus, members, variant_of, compat)
    rng = np.random.default_rng(7)
    for share in (0.05, 0.3, 1.0):
        new = rng.random(len(members)) < share
        x, y = batch_pairs(corpus, members, variant_of, compat, new)
        holding = new[a] | new[b]
        assert len(x) and list(zip(x.tolist(), y.tolist(), strict=True)) == list(
            zip(a[holding].tolist(), b[holding].tolist(), strict=True)
        )


def test_no_page_api_or_admin_url_runs_the_assignment():
    """It runs at the end of an import (a command, a task): no user surface starts it."""
    from django.urls import get_resolver

    def views(resolver):
        for p in resolver.url_patterns:
            if hasattr(p, "url_patterns"):
                yield from views(p)
            else:
                yield p.callback

    modules = {getattr(v, "__module__", "") for v in views(get_resolver())}
    assert modules and "publications.identity_incremental" not in modules
    assert not any("identity_service" in m for m in modules)


def test_import_arxiv_of_a_small_batch_says_it_assigned_it_incrementally(stored):
    from io import StringIO

    from django.core.management import call_command

    guang_jun = _record_of("Guang-Jun Wang")
    out = StringIO()
    call_command("import_arxiv", "--no-progress", str(stored), stdout=out)
    assert re.search(r"\(incremental: \d+ new authorships, \d+ new records, ", out.getvalue())
    assert _record_of("Guangjun Wang") == guang_jun
