"""The pure sharing of a slice's places between kinds of neighbours."""

import itertools

import pytest

from graph.slicing import DEPTH1_SHARES, allocate


def test_places_follow_the_shares_when_every_kind_has_plenty():
    taken = allocate(59, {k: 1000 for k in DEPTH1_SHARES}, DEPTH1_SHARES)
    assert sum(taken.values()) == 59
    # 45 / 35 / 10 / 10 per cent of 59 places
    assert taken == {"person": 26, "paper": 21, "topic": 6, "institution": 6}


def test_a_kind_that_runs_out_leaves_its_places_to_the_others():
    taken = allocate(20, {"person": 100, "paper": 2, "topic": 0, "institution": 1}, DEPTH1_SHARES)
    assert taken == {"person": 17, "paper": 2, "topic": 0, "institution": 1}


def test_never_more_than_available_or_budget():
    assert allocate(50, {"person": 3, "paper": 4}, DEPTH1_SHARES) == {"person": 3, "paper": 4}
    assert allocate(0, {"person": 3}, DEPTH1_SHARES) == {"person": 0}


@pytest.mark.parametrize(
    "available", [(5, 40, 3, 0), (100, 100, 100, 100), (0, 0, 2, 9), (1, 1, 1, 1)]
)
def test_more_budget_never_removes_a_chosen_candidate(available):
    counts = dict(zip(DEPTH1_SHARES, available, strict=True))
    previous = allocate(0, counts, DEPTH1_SHARES)
    for budget in range(1, sum(available) + 3):
        current = allocate(budget, counts, DEPTH1_SHARES)
        assert sum(current.values()) == min(budget, sum(available))
        assert all(current[k] >= previous[k] for k in counts)
        previous = current


def test_shares_hold_for_every_small_budget():
    for budget, people, papers in itertools.product(range(1, 30), range(0, 12), range(0, 12)):
        taken = allocate(budget, {"person": people, "paper": papers}, {"person": 0.5, "paper": 0.5})
        if people >= budget and papers >= budget:
            assert abs(taken["person"] - taken["paper"]) <= 1
