"""The engine on real labelled records (tests/data/identity, copied from
../shared/data/identity): variants joined, homonyms apart, name constraints held."""

from __future__ import annotations

from pathlib import Path

from publications.identity.cluster import resolve
from publications.identity.evidence import Corpus, Mention
from publications.identity.labelled import mentions_from_records, read_records
from publications.identity.metrics import evaluate, read_labels
from publications.identity.names import parse_name

DATA = Path(__file__).resolve().parent.parent / "data" / "identity"


def _sample():
    labels = read_labels(DATA / "gold-sample.tsv")
    mentions, coauthor_works = mentions_from_records(
        read_records(DATA / "records-sample.jsonl"), lambda n: parse_name(n).family == "wang"
    )
    return labels, Corpus(mentions, coauthor_works=coauthor_works)


def test_variants_join_and_homonyms_stay_apart():
    labels, corpus = _sample()
    result = resolve(corpus)
    names_of: dict[int, set[str]] = {}
    for m in corpus.mentions:
        names_of.setdefault(result.cluster_of[m.key], set()).add(m.name)
    # Guang-Wei Wang's five printings are one record; Guang-Jun Wang (same block) is another.
    guang_wei = {result.cluster_of[m.key] for m in corpus.mentions if m.key in labels
                 and labels[m.key] == "623830"}  # fmt: skip
    assert len(guang_wei) == 1
    assert names_of[guang_wei.pop()] >= {"Guang-Wei Wang", "GuangWei Wang", "Guang Wei Wang",
                                          "Guangwei Wang", "Guang-wei Wang"}  # fmt: skip
    report = evaluate(labels, result.cluster_of)
    assert report.bcubed.precision == 1.0
    assert report.records_joined == 0


def test_every_cluster_keeps_its_evidence():
    _, corpus = _sample()
    result = resolve(corpus)
    joined = [c for c in result.clusters if len(c.members) > 1]
    assert joined
    for cluster in joined:
        assert cluster.reason.startswith("one person: ")
        assert 0 < cluster.confidence <= 1
        assert cluster.evidence["authorships"] == len(cluster.members)


def _mention(key, name, coauthors):
    return Mention(key=key, work=key, name=name, coauthors=coauthors, categories=("hep-ph",),
                   year=2010, text="neutrino oscillation mixing angle")  # fmt: skip


def test_initials_never_join_two_different_given_names():
    """ "Y. Wang" shares everything with both "Yi Wang" and "Yu Wang": it may join one of them,
    never both."""
    team = ("A. Einstein", "N. Bohr", "M. Planck")
    mentions = [_mention(f"w{k}", name, team) for k, name in
                enumerate(["Yi Wang", "Yi Wang", "Yu Wang", "Yu Wang", "Y. Wang", "Y. Wang"])]  # fmt: skip
    result = resolve(Corpus(mentions))
    for cluster in result.clusters:
        given = {parse_name(mentions[m].name).full_first for m in cluster.members} - {""}
        assert len(given) <= 1, given


def test_locked_groups_never_join_each_other():
    team = ("A. Einstein", "N. Bohr", "M. Planck")
    mentions = [_mention(f"w{k}", "Yi Wang", team) for k in range(4)]
    result = resolve(Corpus(mentions), groups=[["w0"], ["w1"]], locked=[True, True])
    assert result.cluster_of["w0"] != result.cluster_of["w1"]
    # The unlocked ones still join: two records in all.
    assert len(set(result.cluster_of.values())) == 2
