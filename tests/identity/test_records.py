"""Which records join which (publications/identity/records.py), on real astro-ph records
(A. C. Fabian's name forms, tests/data/identity/astro-ph-fabian.jsonl): the plan depends only on
what the records hold, so a second pass over the first pass's result plans nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from publications.identity.cluster import resolve
from publications.identity.evidence import Corpus
from publications.identity.labelled import mentions_from_records, read_records
from publications.identity.names import block_key
from publications.identity.records import SUPPORT, plan_merges

FABIAN = Path(__file__).resolve().parent.parent / "data" / "identity" / "astro-ph-fabian.jsonl"
FORMS = ["A. C. Fabian", "Andrew C. Fabian", "Andrew Fabian", "Andy C. Fabian", "Andy Fabian"]
# Today's import: one record per name form (ids 1 to 5, in the order of FORMS).
RECORD_OF_FORM = {name: k + 1 for k, name in enumerate(FORMS)}
# A curator took "Andrew C. Fabian" and "Andrew Fabian" apart: they never join again. Their
# authorships have equally strong partners in other records, so the order of the candidates
# decided which record each joined.
SEPARATED = {frozenset((RECORD_OF_FORM["Andrew C. Fabian"], RECORD_OF_FORM["Andrew Fabian"]))}


def _scored(reverse: bool):
    """The Fabian block's authorships, read in file order or in reverse (the database returns
    them in no set order), and their strong pairs."""
    mentions, coauthor_works = mentions_from_records(
        read_records(FABIAN), lambda name: block_key(name) == block_key("A. C. Fabian")
    )
    assert {m.name for m in mentions} == set(FORMS)
    if reverse:
        mentions.reverse()
    corpus = Corpus(mentions, coauthor_works=coauthor_works)
    return corpus, resolve(corpus, clustering=False, pairs_from=SUPPORT)


def _plan(scored, record_of: dict, separated: set) -> dict:
    corpus, resolution = scored
    size = dict(Counter(record_of[m.key] for m in corpus.mentions))
    return plan_merges(corpus, resolution, record_of, size, set(), separated)


def _name_form_records(scored) -> dict:
    corpus, _ = scored
    return {m.key: RECORD_OF_FORM[m.name] for m in corpus.mentions}


def test_the_plan_does_not_depend_on_the_order_authorships_are_read():
    forward, backward = _scored(reverse=False), _scored(reverse=True)
    record_of = _name_form_records(forward)
    plan = _plan(forward, record_of, SEPARATED)
    assert plan  # the name forms do join
    assert plan.keys() == _plan(backward, record_of, SEPARATED).keys()


@pytest.mark.parametrize("first_reversed", [False, True])
def test_a_second_pass_over_the_first_pass_result_plans_nothing(first_reversed):
    first, second = _scored(first_reversed), _scored(not first_reversed)
    record_of = _name_form_records(first)
    plan = _plan(first, record_of, SEPARATED)
    assert plan
    survivor_of = {other: survivor for survivor, others in plan for other in others}
    merged = {key: survivor_of.get(r, r) for key, r in record_of.items()}
    # The separated pairs as the next pass reads them: on the records that now hold them.
    separated = {frozenset(survivor_of.get(r, r) for r in pair) for pair in SEPARATED}
    assert all(len(pair) == 2 for pair in separated)
    assert _plan(second, merged, separated) == {}
    assert _plan(first, merged, separated) == {}


HENNING = Path(__file__).resolve().parent.parent / "data" / "identity" / "astro-ph-henning.jsonl"


def test_henning_printings_join_one_record():
    """Th. Henning's printings on astro-ph (copied into tests/data/identity), one record per
    name form as the import makes them: "Th Henning" (no dot) is "Th.", so all three join."""
    mentions, coauthor_works = mentions_from_records(
        read_records(HENNING), lambda name: block_key(name) == block_key("Th. Henning")
    )
    forms = sorted({m.name for m in mentions})
    assert forms == ["Th Henning", "Th. Henning", "Thomas Henning"]
    corpus = Corpus(mentions, coauthor_works=coauthor_works)
    resolution = resolve(corpus, clustering=False, pairs_from=SUPPORT)
    record_of = {m.key: forms.index(m.name) + 1 for m in mentions}
    plan = _plan((corpus, resolution), record_of, set())
    assert len(plan) == 1
    (survivor, others), confidence = next(iter(plan.items()))
    assert {survivor, *others} == {1, 2, 3}
    assert confidence >= SUPPORT
