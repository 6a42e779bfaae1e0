"""Pairwise and B-cubed figures and the flag's precision/recall, checked by hand."""

from __future__ import annotations

import pytest

from publications.identity.metrics import evaluate, read_labels


def test_figures_by_hand():
    # Person P has 3 authorships, Q has 1. Records: r1 = {P, P, Q}, r2 = {P}.
    labels = {"a": "P", "b": "P", "c": "Q", "d": "P"}
    assigned = {"a": "r1", "b": "r1", "c": "r1", "d": "r2"}
    report = evaluate(labels, assigned, flagged={"r1", "r2"})
    # Pairs in one record: ab, ac, bc -> same person: ab. Pairs of one person: ab, ad, bd.
    assert report.pairwise.precision == pytest.approx(1 / 3)
    assert report.pairwise.recall == pytest.approx(1 / 3)
    # B-cubed precision: a, b: 2/3; c: 1/3; d: 1 -> 8/3 / 4. Recall: a, b: 2/3; c: 1; d: 1/3.
    assert report.bcubed.precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert report.bcubed.recall == pytest.approx((2 / 3 + 2 / 3 + 1 + 1 / 3) / 4)
    # r1 truly holds two people; r2 does not: the flag is right on one of two.
    assert report.flag.precision == pytest.approx(0.5)
    assert report.flag.recall == pytest.approx(1.0)
    assert (report.people_split, report.records_joined) == (1, 1)


def test_unassigned_labelled_authorship_is_a_record_of_its_own():
    report = evaluate({"a": "P", "b": "P"}, {"a": "r1"})
    assert report.records == 2
    assert report.bcubed.recall == pytest.approx(0.5)


def test_read_labels_errors(tmp_path):
    bad_header = tmp_path / "a.tsv"
    bad_header.write_text("id\tpos\n")
    with pytest.raises(ValueError, match="header"):
        read_labels(bad_header)
    bad_position = tmp_path / "b.tsv"
    bad_position.write_text("arxiv_id\tposition\tprinted_name\tperson_id\n0001.00001\tx\tA\t1\n")
    with pytest.raises(ValueError, match="line 2"):
        read_labels(bad_position)
