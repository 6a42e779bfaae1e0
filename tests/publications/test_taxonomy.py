"""The arXiv category taxonomy: names, groups, aliases, and coverage of the shared data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from publications.arxiv.taxonomy import (
    ALIASES,
    ARCHIVES,
    CATEGORIES,
    GROUPS,
    OTHER_GROUP,
    RETIRED_ARCHIVES,
    SUBSUMED_BY,
    Category,
    canonical,
    describe,
)

SNAPSHOT = Path("/work/shared/data/arxiv/snapshot")
DATA_FILES = [
    "astro-ph-listings.jsonl.gz",
    "abs-current.jsonl",
    "abs-older-versions.jsonl",
    "kaggle-head200.jsonl",
]


@pytest.mark.parametrize(
    ("code", "name", "archive", "group"),
    [
        ("cs.LG", "Machine Learning", "cs", "Computer Science"),
        ("stat.ML", "Machine Learning", "stat", "Statistics"),
        ("astro-ph.GA", "Astrophysics of Galaxies", "astro-ph", "Physics"),
        ("astro-ph.CO", "Cosmology and Nongalactic Astrophysics", "astro-ph", "Physics"),
        ("hep-th", "High Energy Physics - Theory", "hep-th", "Physics"),
        ("math.AG", "Algebraic Geometry", "math", "Mathematics"),
        ("math.CA", "Classical Analysis and ODEs", "math", "Mathematics"),
        ("q-bio.NC", "Neurons and Cognition", "q-bio", "Quantitative Biology"),
        ("econ.EM", "Econometrics", "econ", "Economics"),
        ("eess.SP", "Signal Processing", "eess", "Electrical Engineering and Systems Science"),
        ("q-fin.ST", "Statistical Finance", "q-fin", "Quantitative Finance"),
        ("nlin.SI", "Exactly Solvable and Integrable Systems", "nlin", "Physics"),
        ("physics.ins-det", "Instrumentation and Detectors", "physics", "Physics"),
        ("physics.data-an", "Data Analysis, Statistics and Probability", "physics", "Physics"),
        ("cond-mat.stat-mech", "Statistical Mechanics", "cond-mat", "Physics"),
        ("cond-mat.mes-hall", "Mesoscale and Nanoscale Physics", "cond-mat", "Physics"),
        ("gr-qc", "General Relativity and Quantum Cosmology", "gr-qc", "Physics"),
        ("quant-ph", "Quantum Physics", "quant-ph", "Physics"),
        ("nucl-ex", "Nuclear Experiment", "nucl-ex", "Physics"),
        ("math-ph", "Mathematical Physics", "math-ph", "Physics"),
        ("cs.CE", "Computational Engineering, Finance, and Science", "cs", "Computer Science"),
        ("cs.DC", "Distributed, Parallel, and Cluster Computing", "cs", "Computer Science"),
        ("astro-ph", "Astrophysics", "astro-ph", "Physics"),
        ("cond-mat", "Condensed Matter", "cond-mat", "Physics"),
        ("physics", "Physics", "physics", "Physics"),
    ],
)
def test_exact_names(code, name, archive, group):
    category = describe(code)
    assert category == CATEGORIES[code]
    assert (category.code, category.name, category.archive, category.group) == (
        code,
        name,
        archive,
        group,
    )
    assert not category.retired
    assert category.canonical is None


@pytest.mark.parametrize(
    ("code", "name", "group", "subsumed_by"),
    [
        ("funct-an", "Functional Analysis", "Mathematics", "math.FA"),
        ("alg-geom", "Algebraic Geometry", "Mathematics", "math.AG"),
        ("q-alg", "Quantum Algebra and Topology", "Mathematics", "math.QA"),
        ("dg-ga", "Differential Geometry", "Mathematics", "math.DG"),
        ("chao-dyn", "Chaotic Dynamics", "Physics", "nlin.CD"),
        ("solv-int", "Exactly Solvable and Integrable Systems", "Physics", "nlin.SI"),
        ("patt-sol", "Pattern Formation and Solitons", "Physics", "nlin.PS"),
        ("adap-org", "Adaptation, Noise, and Self-Organizing Systems", "Physics", "nlin.AO"),
        ("comp-gas", "Cellular Automata and Lattice Gases", "Physics", "nlin.CG"),
        ("cmp-lg", "Computation and Language", "Computer Science", "cs.CL"),
        ("mtrl-th", "Materials Theory", "Physics", "cond-mat.mtrl-sci"),
        ("supr-con", "Superconductivity", "Physics", "cond-mat.supr-con"),
        ("acc-phys", "Accelerator Physics", "Physics", "physics.acc-ph"),
        ("ao-sci", "Atmospheric-Oceanic Sciences", "Physics", "physics.ao-ph"),
        ("atom-ph", "Atomic, Molecular and Optical Physics", "Physics", "physics.atom-ph"),
        ("bayes-an", "Bayesian Analysis", "Physics", "physics.data-an"),
        ("chem-ph", "Chemical Physics", "Physics", "physics.chem-ph"),
        ("plasm-ph", "Plasma Physics", "Physics", "physics.plasm-ph"),
    ],
)
def test_retired_archives(code, name, group, subsumed_by):
    category = describe(code)
    assert category == Category(code, name, code, group, retired=True)
    assert SUBSUMED_BY[code] == subsumed_by
    assert subsumed_by in CATEGORIES
    # retired archives are not aliases: papers keep the old code
    assert canonical(code) == code


def test_retired_archives_are_exactly_the_subsumed_ones():
    assert set(RETIRED_ARCHIVES) == set(SUBSUMED_BY)
    assert {c.code for c in CATEGORIES.values() if c.retired} == set(RETIRED_ARCHIVES)


@pytest.mark.parametrize(
    ("alias", "target"),
    [
        ("math.MP", "math-ph"),
        ("math.IT", "cs.IT"),
        ("stat.TH", "math.ST"),
        ("q-fin.EC", "econ.GN"),
        ("cs.SY", "eess.SY"),
        ("cs.NA", "math.NA"),
    ],
)
def test_aliases(alias, target):
    assert canonical(alias) == target
    assert describe(alias).canonical == target
    assert canonical(target) == target
    assert describe(target).canonical is None
    assert describe(alias).group != OTHER_GROUP
    assert describe(target).group != OTHER_GROUP


def test_alias_names_match_their_targets_except_q_fin_ec():
    for alias, target in ALIASES.items():
        if alias == "q-fin.EC":
            assert describe(alias).name == "Economics"
            assert describe(target).name == "General Economics"
        else:
            assert describe(alias).name == describe(target).name


def test_canonical_leaves_other_codes_alone():
    assert canonical("cs.LG") == "cs.LG"
    assert canonical("no.such") == "no.such"


@pytest.mark.parametrize(
    ("code", "archive"),
    [("cs.XX", "cs"), ("foo-bar", "foo-bar"), ("a.b.c", "a"), ("test.dis-nn", "test"), ("", "")],
)
def test_unknown_code_fallback(code, archive):
    category = describe(code)
    assert category == Category(code=code, name=code, archive=archive, group=OTHER_GROUP)


def test_lookup_is_case_sensitive():
    assert describe("cs.lg").group == OTHER_GROUP


def test_structure():
    assert len(GROUPS) == 8
    assert OTHER_GROUP not in GROUPS
    for code, category in CATEGORIES.items():
        assert category.code == code
        assert category.group in GROUPS
        assert category.archive in ARCHIVES or category.archive in RETIRED_ARCHIVES
        assert code == category.archive or code.startswith(category.archive + ".")
        if category.canonical is not None:
            assert category.canonical in CATEGORIES
            assert CATEGORIES[category.canonical].canonical is None
    # every group has categories
    assert {c.group for c in CATEGORIES.values()} == set(GROUPS)


def _codes_in(path: Path) -> set[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    codes: set[str] = set()
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                codes.update(json.loads(line)["categories"].split())
    return codes


@pytest.mark.parametrize("filename", DATA_FILES)
def test_every_code_in_the_shared_data_resolves(filename):
    path = SNAPSHOT / filename
    if not path.exists():
        pytest.skip(f"{path} is not available")
    codes = _codes_in(path)
    assert codes
    unresolved = sorted(c for c in codes if describe(c).group == OTHER_GROUP)
    assert unresolved == []
