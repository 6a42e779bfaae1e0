"""arXiv's category taxonomy, as arXiv publishes it (https://arxiv.org/category_taxonomy).

Pure data, no Django. Names, archives, groups, retired archives and aliases are transcribed
from arXiv's own definitions (``arxiv/taxonomy/definitions.py`` in the ``arXiv/arxiv-base``
repository), which back the category_taxonomy page.

A *category* is what a paper lists in its ``categories`` field: ``cs.LG``, ``astro-ph.GA``,
``hep-th``. It belongs to an *archive* (``cs``, ``astro-ph``, ``hep-th``) which belongs to a
*group* ("Computer Science", "Physics"). Besides the current categories, ``CATEGORIES`` holds:

* the bare archive codes that old papers use as a category (``astro-ph``, ``cond-mat``,
  ``physics``, ``q-bio``, ...): arXiv stopped accepting bare ``astro-ph`` after 2008-12 and bare
  ``cond-mat`` after 2004-01, but the codes stay on the old papers;
* the retired archives of the 1990s (``funct-an``, ``alg-geom``, ``chao-dyn``, ...), marked
  ``retired=True``; ``SUBSUMED_BY`` names the current category that took each one over. They are
  not aliases: ``canonical()`` leaves them alone, as arXiv does;
* the aliases arXiv documents (``math.MP`` is ``math-ph``, ``stat.TH`` is ``math.ST``, ...),
  each with ``canonical`` set to the code arXiv treats as the real one.

arXiv's internal ``test`` archive is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- groups -----------------------------------------------------------------------------------

PHYSICS = "Physics"
MATHEMATICS = "Mathematics"
QUANTITATIVE_BIOLOGY = "Quantitative Biology"
COMPUTER_SCIENCE = "Computer Science"
QUANTITATIVE_FINANCE = "Quantitative Finance"
STATISTICS = "Statistics"
EESS = "Electrical Engineering and Systems Science"
ECONOMICS = "Economics"

OTHER_GROUP = "Other"
"""The group ``describe()`` gives a code it does not know. Not part of ``GROUPS``."""

GROUPS: list[str] = [
    PHYSICS,
    MATHEMATICS,
    QUANTITATIVE_BIOLOGY,
    COMPUTER_SCIENCE,
    QUANTITATIVE_FINANCE,
    STATISTICS,
    EESS,
    ECONOMICS,
]
"""Display order: arXiv's own group order (the order of its front page)."""


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    archive: str
    group: str
    retired: bool = False  # a 1990s archive arXiv closed and folded into a current category
    canonical: str | None = None  # for aliases: the code arXiv treats as the real one


# --- archives ---------------------------------------------------------------------------------

# archive code -> (name, group), for the archives that are open today.
ARCHIVES: dict[str, tuple[str, str]] = {
    "astro-ph": ("Astrophysics", PHYSICS),
    "cond-mat": ("Condensed Matter", PHYSICS),
    "gr-qc": ("General Relativity and Quantum Cosmology", PHYSICS),
    "hep-ex": ("High Energy Physics - Experiment", PHYSICS),
    "hep-lat": ("High Energy Physics - Lattice", PHYSICS),
    "hep-ph": ("High Energy Physics - Phenomenology", PHYSICS),
    "hep-th": ("High Energy Physics - Theory", PHYSICS),
    "math-ph": ("Mathematical Physics", PHYSICS),
    "nlin": ("Nonlinear Sciences", PHYSICS),
    "nucl-ex": ("Nuclear Experiment", PHYSICS),
    "nucl-th": ("Nuclear Theory", PHYSICS),
    "physics": ("Physics", PHYSICS),
    "quant-ph": ("Quantum Physics", PHYSICS),
    "math": ("Mathematics", MATHEMATICS),
    "q-bio": ("Quantitative Biology", QUANTITATIVE_BIOLOGY),
    "cs": ("Computer Science", COMPUTER_SCIENCE),
    "q-fin": ("Quantitative Finance", QUANTITATIVE_FINANCE),
    "stat": ("Statistics", STATISTICS),
    "eess": ("Electrical Engineering and Systems Science", EESS),
    "econ": ("Economics", ECONOMICS),
}

# Retired archives (closed 1996-1999): archive code -> (name, group). Old papers keep them as
# their category, and old identifiers keep them as a prefix (``funct-an/9201001``).
RETIRED_ARCHIVES: dict[str, tuple[str, str]] = {
    "acc-phys": ("Accelerator Physics", PHYSICS),
    "adap-org": ("Adaptation, Noise, and Self-Organizing Systems", PHYSICS),
    "alg-geom": ("Algebraic Geometry", MATHEMATICS),
    "ao-sci": ("Atmospheric-Oceanic Sciences", PHYSICS),
    "atom-ph": ("Atomic, Molecular and Optical Physics", PHYSICS),
    "bayes-an": ("Bayesian Analysis", PHYSICS),
    "chao-dyn": ("Chaotic Dynamics", PHYSICS),
    "chem-ph": ("Chemical Physics", PHYSICS),
    "cmp-lg": ("Computation and Language", COMPUTER_SCIENCE),
    "comp-gas": ("Cellular Automata and Lattice Gases", PHYSICS),
    "dg-ga": ("Differential Geometry", MATHEMATICS),
    "funct-an": ("Functional Analysis", MATHEMATICS),
    "mtrl-th": ("Materials Theory", PHYSICS),
    "patt-sol": ("Pattern Formation and Solitons", PHYSICS),
    "plasm-ph": ("Plasma Physics", PHYSICS),
    "q-alg": ("Quantum Algebra and Topology", MATHEMATICS),
    "solv-int": ("Exactly Solvable and Integrable Systems", PHYSICS),
    "supr-con": ("Superconductivity", PHYSICS),
}

# Retired archive -> the current category that took over its subject (arXiv's
# ARCHIVES_SUBSUMED). Informational: papers keep the retired code.
SUBSUMED_BY: dict[str, str] = {
    "acc-phys": "physics.acc-ph",
    "adap-org": "nlin.AO",
    "alg-geom": "math.AG",
    "ao-sci": "physics.ao-ph",
    "atom-ph": "physics.atom-ph",
    "bayes-an": "physics.data-an",
    "chao-dyn": "nlin.CD",
    "chem-ph": "physics.chem-ph",
    "cmp-lg": "cs.CL",
    "comp-gas": "nlin.CG",
    "dg-ga": "math.DG",
    "funct-an": "math.FA",
    "mtrl-th": "cond-mat.mtrl-sci",
    "patt-sol": "nlin.PS",
    "plasm-ph": "physics.plasm-ph",
    "q-alg": "math.QA",
    "solv-int": "nlin.SI",
    "supr-con": "cond-mat.supr-con",
}

# Alias -> canonical category (arXiv's CATEGORY_ALIASES). Each pair is one subject listed
# under two codes; arXiv stores the canonical one.
ALIASES: dict[str, str] = {
    "math.MP": "math-ph",
    "math.IT": "cs.IT",
    "stat.TH": "math.ST",
    "q-fin.EC": "econ.GN",
    "cs.SY": "eess.SY",
    "cs.NA": "math.NA",
}

# --- subject classes (categories with a dot); the archive is the part before the dot ----------

_SUBJECT_CLASSES: dict[str, str] = {
    # astro-ph
    "astro-ph.CO": "Cosmology and Nongalactic Astrophysics",
    "astro-ph.EP": "Earth and Planetary Astrophysics",
    "astro-ph.GA": "Astrophysics of Galaxies",
    "astro-ph.HE": "High Energy Astrophysical Phenomena",
    "astro-ph.IM": "Instrumentation and Methods for Astrophysics",
    "astro-ph.SR": "Solar and Stellar Astrophysics",
    # cond-mat
    "cond-mat.dis-nn": "Disordered Systems and Neural Networks",
    "cond-mat.mes-hall": "Mesoscale and Nanoscale Physics",
    "cond-mat.mtrl-sci": "Materials Science",
    "cond-mat.other": "Other Condensed Matter",
    "cond-mat.quant-gas": "Quantum Gases",
    "cond-mat.soft": "Soft Condensed Matter",
    "cond-mat.stat-mech": "Statistical Mechanics",
    "cond-mat.str-el": "Strongly Correlated Electrons",
    "cond-mat.supr-con": "Superconductivity",
    # nlin
    "nlin.AO": "Adaptation and Self-Organizing Systems",
    "nlin.CD": "Chaotic Dynamics",
    "nlin.CG": "Cellular Automata and Lattice Gases",
    "nlin.PS": "Pattern Formation and Solitons",
    "nlin.SI": "Exactly Solvable and Integrable Systems",
    # physics
    "physics.acc-ph": "Accelerator Physics",
    "physics.ao-ph": "Atmospheric and Oceanic Physics",
    "physics.app-ph": "Applied Physics",
    "physics.atm-clus": "Atomic and Molecular Clusters",
    "physics.atom-ph": "Atomic Physics",
    "physics.bio-ph": "Biological Physics",
    "physics.chem-ph": "Chemical Physics",
    "physics.class-ph": "Classical Physics",
    "physics.comp-ph": "Computational Physics",
    "physics.data-an": "Data Analysis, Statistics and Probability",
    "physics.ed-ph": "Physics Education",
    "physics.flu-dyn": "Fluid Dynamics",
    "physics.gen-ph": "General Physics",
    "physics.geo-ph": "Geophysics",
    "physics.hist-ph": "History and Philosophy of Physics",
    "physics.ins-det": "Instrumentation and Detectors",
    "physics.med-ph": "Medical Physics",
    "physics.optics": "Optics",
    "physics.plasm-ph": "Plasma Physics",
    "physics.pop-ph": "Popular Physics",
    "physics.soc-ph": "Physics and Society",
    "physics.space-ph": "Space Physics",
    # math
    "math.AC": "Commutative Algebra",
    "math.AG": "Algebraic Geometry",
    "math.AP": "Analysis of PDEs",
    "math.AT": "Algebraic Topology",
    "math.CA": "Classical Analysis and ODEs",
    "math.CO": "Combinatorics",
    "math.CT": "Category Theory",
    "math.CV": "Complex Variables",
    "math.DG": "Differential Geometry",
    "math.DS": "Dynamical Systems",
    "math.FA": "Functional Analysis",
    "math.GM": "General Mathematics",
    "math.GN": "General Topology",
    "math.GR": "Group Theory",
    "math.GT": "Geometric Topology",
    "math.HO": "History and Overview",
    "math.IT": "Information Theory",
    "math.KT": "K-Theory and Homology",
    "math.LO": "Logic",
    "math.MG": "Metric Geometry",
    "math.MP": "Mathematical Physics",
    "math.NA": "Numerical Analysis",
    "math.NT": "Number Theory",
    "math.OA": "Operator Algebras",
    "math.OC": "Optimization and Control",
    "math.PR": "Probability",
    "math.QA": "Quantum Algebra",
    "math.RA": "Rings and Algebras",
    "math.RT": "Representation Theory",
    "math.SG": "Symplectic Geometry",
    "math.SP": "Spectral Theory",
    "math.ST": "Statistics Theory",
    # q-bio
    "q-bio.BM": "Biomolecules",
    "q-bio.CB": "Cell Behavior",
    "q-bio.GN": "Genomics",
    "q-bio.MN": "Molecular Networks",
    "q-bio.NC": "Neurons and Cognition",
    "q-bio.OT": "Other Quantitative Biology",
    "q-bio.PE": "Populations and Evolution",
    "q-bio.QM": "Quantitative Methods",
    "q-bio.SC": "Subcellular Processes",
    "q-bio.TO": "Tissues and Organs",
    # cs
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics",
    "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies",
    "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis",
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation",
    "cs.SD": "Sound",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",
    # q-fin
    "q-fin.CP": "Computational Finance",
    "q-fin.EC": "Economics",
    "q-fin.GN": "General Finance",
    "q-fin.MF": "Mathematical Finance",
    "q-fin.PM": "Portfolio Management",
    "q-fin.PR": "Pricing of Securities",
    "q-fin.RM": "Risk Management",
    "q-fin.ST": "Statistical Finance",
    "q-fin.TR": "Trading and Market Microstructure",
    # stat
    "stat.AP": "Applications",
    "stat.CO": "Computation",
    "stat.ME": "Methodology",
    "stat.ML": "Machine Learning",
    "stat.OT": "Other Statistics",
    "stat.TH": "Statistics Theory",
    # eess
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control",
    # econ
    "econ.EM": "Econometrics",
    "econ.GN": "General Economics",
    "econ.TH": "Theoretical Economics",
}


def _build() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    # Bare archive codes: single-category archives (hep-th, gr-qc, quant-ph, ...) and the
    # legacy bare codes old papers carry (astro-ph, cond-mat, physics, q-bio, ...).
    for code, (name, group) in ARCHIVES.items():
        categories[code] = Category(code, name, code, group)
    for code, (name, group) in RETIRED_ARCHIVES.items():
        categories[code] = Category(code, name, code, group, retired=True)
    for code, name in _SUBJECT_CLASSES.items():
        archive = code.split(".", 1)[0]
        categories[code] = Category(
            code, name, archive, ARCHIVES[archive][1], canonical=ALIASES.get(code)
        )
    return categories


CATEGORIES: dict[str, Category] = _build()


def describe(code: str) -> Category:
    """The category for ``code``; never raises.

    An unknown code comes back as itself for a name, the part before the first ``.`` for an
    archive, and ``OTHER_GROUP`` for a group.
    """
    code = code.strip()
    known = CATEGORIES.get(code)
    if known is not None:
        return known
    return Category(code=code, name=code, archive=code.split(".", 1)[0], group=OTHER_GROUP)


def canonical(code: str) -> str:
    """``code`` with an arXiv alias resolved (``math.MP`` -> ``math-ph``); otherwise unchanged."""
    code = code.strip()
    return ALIASES.get(code, code)
