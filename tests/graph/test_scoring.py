"""The trust formula and the "may combine several researchers" test, exhaustively (pure maths)."""

from __future__ import annotations

import itertools
import random

import pytest

from graph.scoring import (
    FORMULA_VERSION,
    WEIGHTS,
    ScoreInputs,
    compute_score,
    may_combine_several,
    several_groups,
    tier_for,
)


def points(score, key):
    return next(i["points"] for i in score.components["items"] if i["key"] == key)


def fact(score, key):
    return next(i["fact"] for i in score.components["items"] if i["key"] == key)


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (0, "Emerging"),
        (24, "Emerging"),
        (25, "Developing"),
        (49, "Developing"),
        (50, "Established"),
        (74, "Established"),
        (75, "Exemplary"),
        (100, "Exemplary"),
    ],
)
def test_tier_boundaries(score, tier):
    assert tier_for(score) == tier


def test_the_maxima_add_up_to_100():
    best = compute_score(
        ScoreInputs(
            verification_level=4,
            claimed=True,
            works=500,
            first_year=1990,
            last_year=2025,
            close_collaborators=80,
            verified_collaborators=40,
            followers=10_000,
        )
    )
    assert best.score == 100 and best.tier == "Exemplary"
    assert sum(i["max"] for i in best.components["items"]) == 100
    assert all(i["points"] == i["max"] for i in best.components["items"])


def test_empty_record_scores_zero():
    s = compute_score(ScoreInputs(verification_level=0))
    assert (s.score, s.tier, s.version) == (0, "Emerging", FORMULA_VERSION)
    assert fact(s, "record") == "0 works"
    assert fact(s, "penalties") == "none"


def test_seed_like_unclaimed_record_is_capped_inside_emerging():
    # shared/seeds/000: unclaimed, 9 works, 4 close collaborators: "Trust 21 - Emerging"
    s = compute_score(
        ScoreInputs(
            verification_level=1, works=9, first_year=2018, last_year=2025, close_collaborators=4
        )
    )
    assert s.tier == "Emerging" and 15 <= s.score <= 24
    assert fact(s, "network") == "4 close collaborators, 0 verified"
    assert fact(s, "record") == "9 works over 8 years (2018–2025)"


@pytest.mark.parametrize("level", [0, 1])
def test_unclaimed_records_never_leave_the_lowest_tier(level):
    for works, close, verified, followers in itertools.product(
        [0, 1, 20, 500], [0, 3, 50], [0, 5], [0, 1, 1000]
    ):
        s = compute_score(
            ScoreInputs(
                verification_level=level,
                claimed=False,
                works=works,
                first_year=2000,
                last_year=2024,
                close_collaborators=close,
                verified_collaborators=verified,
                followers=followers,
            )
        )
        assert s.score <= WEIGHTS["unclaimed_cap"]
        assert s.tier == "Emerging"


def test_the_cap_is_recorded_in_the_components():
    s = compute_score(
        ScoreInputs(
            verification_level=1,
            works=40,
            first_year=2000,
            last_year=2024,
            close_collaborators=10,
            followers=100,
        )
    )
    assert s.score == 24 and s.components["cap"] == 24 and s.components["raw"] > 24


def test_a_claimed_record_is_not_capped():
    s = compute_score(
        ScoreInputs(
            verification_level=2,
            claimed=True,
            works=40,
            first_year=2000,
            last_year=2024,
            close_collaborators=10,
            followers=100,
        )
    )
    assert s.score > 24 and s.components["cap"] is None


@pytest.mark.parametrize(("level", "pts"), [(0, 0), (1, 5), (2, 25), (3, 35), (4, 40)])
def test_identity_points_follow_the_verification_level(level, pts):
    s = compute_score(ScoreInputs(verification_level=level, claimed=level >= 2))
    assert points(s, "identity") == pts
    assert fact(s, "identity").startswith(f"L{level}")


def test_scores_grow_with_each_input_until_their_caps():
    base = dict(verification_level=3, claimed=True, first_year=2010, last_year=2010)
    previous = -1
    for works in range(0, 21):
        s = compute_score(ScoreInputs(works=works, **base))
        assert s.score >= previous
        previous = s.score
    assert (
        compute_score(ScoreInputs(works=20, **base)).score
        == compute_score(ScoreInputs(works=400, **base)).score
    )


def test_verified_collaborators_count_more_than_other_close_collaborators():
    base = dict(verification_level=2, claimed=True, close_collaborators=4)
    plain = compute_score(ScoreInputs(verified_collaborators=0, **base))
    verified = compute_score(ScoreInputs(verified_collaborators=1, **base))
    assert points(verified, "network") - points(plain, "network") == WEIGHTS["verified_points_each"]
    assert fact(verified, "network") == "4 close collaborators, 1 verified"


def test_verified_collaborators_cannot_exceed_close_collaborators():
    s = compute_score(ScoreInputs(close_collaborators=1, verified_collaborators=3))
    assert fact(s, "network") == "1 close collaborator, 1 verified"


def test_one_work_has_a_one_year_span():
    s = compute_score(
        ScoreInputs(verification_level=2, claimed=True, works=1, first_year=2021, last_year=2021)
    )
    assert fact(s, "record") == "1 work in 2021"
    assert points(s, "record") == 1.8  # 0.75 for one work + 1 for one year, to a tenth


def test_only_hyperauthored_works_means_no_close_collaborators_but_the_works_count():
    # the recompute passes 0 close collaborators for works with more than 25 authors
    s = compute_score(
        ScoreInputs(
            verification_level=2,
            claimed=True,
            works=12,
            first_year=2015,
            last_year=2020,
            close_collaborators=0,
        )
    )
    assert points(s, "network") == 0
    assert points(s, "record") > 0


def test_penalties_lower_the_score_and_say_why():
    base = dict(
        verification_level=3,
        claimed=True,
        works=20,
        first_year=2000,
        last_year=2020,
        close_collaborators=10,
    )
    clean = compute_score(ScoreInputs(**base))
    several = compute_score(ScoreInputs(may_combine_several=True, **base))
    disputed = compute_score(ScoreInputs(open_disputes=1, **base))
    both = compute_score(ScoreInputs(may_combine_several=True, open_disputes=5, **base))
    assert clean.score - several.score == WEIGHTS["several_people_penalty"]
    assert clean.score - disputed.score == WEIGHTS["dispute_penalty"]
    assert clean.score - both.score == (
        WEIGHTS["several_people_penalty"] + WEIGHTS["dispute_penalty_cap"]
    )
    assert fact(both, "penalties") == (
        "may combine several researchers; 5 open disputes over who this is"
    )


def test_penalties_also_apply_under_the_unclaimed_cap():
    base = dict(
        verification_level=1,
        works=40,
        first_year=2000,
        last_year=2024,
        close_collaborators=10,
        followers=50,
    )
    assert compute_score(ScoreInputs(**base)).score == 24
    several = compute_score(ScoreInputs(may_combine_several=True, **base))
    assert several.score == 24 - WEIGHTS["several_people_penalty"]


def test_score_never_goes_below_zero():
    s = compute_score(ScoreInputs(verification_level=0, may_combine_several=True, open_disputes=3))
    assert s.score == 0


def test_negative_or_out_of_range_inputs_are_clamped():
    s = compute_score(ScoreInputs(verification_level=9, claimed=True, works=-3, followers=-1))
    assert points(s, "identity") == 40 and points(s, "record") == 0


def test_same_inputs_same_score():
    i = ScoreInputs(
        verification_level=2,
        claimed=True,
        works=7,
        first_year=2001,
        last_year=2003,
        close_collaborators=3,
        verified_collaborators=1,
        followers=2,
    )
    assert compute_score(i) == compute_score(i)


# --- may combine several researchers --------------------------------------------------------


def test_two_disjoint_groups_on_different_topics_are_flagged():
    works = [(1, 10, [100]), (2, 10, [100, 101]), (3, 20, [200]), (4, 20, [200])]
    assert may_combine_several(works)


def test_groups_sharing_a_topic_are_not_flagged():
    works = [(1, 10, [100]), (2, 10, [100]), (3, 20, [200]), (4, 10, [200])]
    assert not may_combine_several(works)


def test_works_linked_through_a_chain_of_coauthors_form_one_group():
    works = [(1, 10, [100]), (2, 10, [100, 300]), (3, 20, [300, 200]), (4, 20, [200])]
    assert not may_combine_several(works)


def test_singletons_do_not_make_a_group():
    # seeds/004-like: many works, every one alone on its topic: not enough evidence of two people
    works = [(i, i, [1000 + i]) for i in range(1, 10)]
    assert not may_combine_several(works)
    works += [(20, 50, [900]), (21, 50, [900]), (22, 60, [901]), (23, 60, [901])]
    assert may_combine_several(works)


def test_solo_works_and_too_few_works_are_never_flagged():
    assert not may_combine_several([(1, 10, []), (2, 20, []), (3, 30, []), (4, 40, [])])
    assert not may_combine_several([(1, 10, [5]), (2, 10, [5]), (3, 20, [6])])
    assert not may_combine_several([])


def test_works_without_a_topic_do_not_count_as_disjoint():
    works = [(1, None, [100]), (2, None, [100]), (3, 20, [200]), (4, 20, [200])]
    assert not may_combine_several(works)


def test_several_groups_takes_each_coauthors_shared_works():
    # the recompute's form: per close collaborator, the works shared with them
    topics = {1: 10, 2: 10, 3: 20, 4: 20, 5: 30}  # work 5: small, but shared with nobody
    assert several_groups(topics, [[1, 2], [3, 4]])
    assert not several_groups(topics, [[1, 2], [2, 3], [3, 4]])  # a chain: one group
    assert not several_groups(topics, [[1, 2], [3]])  # three works only
    assert not several_groups(topics, [])


def test_several_groups_decides_as_may_combine_several():
    # Random records whose works all have a co-author, as the recompute passes them (only works
    # shared with a close collaborator): both functions must give the same answer.
    rng = random.Random(5)  # fixed: the same records on every run
    answers = []
    for _ in range(3000):
        works = [
            (w, rng.choice([None, 1, 2, 2, 3]), rng.sample(range(100, 108), rng.randint(1, 2)))
            for w in range(rng.randint(0, 10))
        ]
        shared: dict[int, list[int]] = {}
        for w, _t, coauthors in works:
            for co in coauthors:
                shared.setdefault(co, []).append(w)
        topics = {w: t for w, t, _ in works}
        expected = may_combine_several(works)
        assert several_groups(topics, list(shared.values())) == expected, works
        answers.append(expected)
    assert 100 < sum(answers) < 2900  # both answers were exercised
