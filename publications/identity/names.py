"""Printed author names: folding, blocking keys and whether two names can be one person.

arXiv prints a name the way its submitter typed it: "A. C. Fabian", "Andrew C. Fabian",
"Andy Fabian", "Fabian, A. C.", "Th. Henning", "Jian-Min Wang", "Jianmin Wang", "J. M. Wang",
"G\\"unther Hasinger". ``parse_name`` reads any of these into a family name and a list of given
names (full names or initials); ``block_key`` is the folded family name plus first initial, the
unit the engine clusters in; ``compatibility`` says whether two printed names can belong to one
person and how strongly ("Yi" and "Yu" never; "Jian-Min" and "Jianmin" fully; "J. M." and
"Jian-Min" as initials; "Jian" and "J. M." never, because "jian" is one Chinese syllable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from unidecode import unidecode

from publications.arxiv.text import clean_name

__all__ = [
    "ParsedName",
    "parse_name",
    "block_key",
    "compatibility",
    "fold",
    "INCOMPATIBLE",
    "INITIALS_ONLY",
    "INITIALS_MATCH",
    "SAME_GIVEN_NAME",
]

# Compatibility levels, weakest to strongest.
INCOMPATIBLE = 0
INITIALS_ONLY = 1  # only the first initial (and no contradiction) links them: "J." / "J. C."
INITIALS_MATCH = 2  # every given name agrees at the level of initials: "J. M." / "Jian-Min"
SAME_GIVEN_NAME = 3  # the same full given name: "Jian-Min" / "Jianmin", "Andy" / "Andrew"

_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_PARTICLES = {
    "van", "von", "de", "der", "den", "del", "della", "di", "da", "dos", "das", "du", "le",
    "la", "ten", "ter", "vander", "vanden", "af", "zu", "el", "al", "bin", "ibn", "st",
}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z]+\.?|\.")
_NON_LETTER = re.compile(r"[^a-z]+")
_CONSONANTS = re.compile(r"[b-df-hj-np-tv-xz]{2,3}")

# English diminutives printed in place of a full first name ("Andy Fabian" for Andrew Fabian).
_NICKNAMES = {
    "andy": "andrew", "drew": "andrew", "bob": "robert", "rob": "robert", "bobby": "robert",
    "bill": "william", "will": "william", "billy": "william", "tom": "thomas", "tommy": "thomas",
    "jim": "james", "jimmy": "james", "jamie": "james", "mike": "michael", "mick": "michael",
    "dick": "richard", "rick": "richard", "rich": "richard", "dave": "david", "steve": "stephen",
    "chris": "christopher", "joe": "joseph", "joey": "joseph", "dan": "daniel", "danny": "daniel",
    "ed": "edward", "ted": "edward", "ned": "edward", "tony": "anthony", "ben": "benjamin",
    "nick": "nicholas", "alex": "alexander", "sasha": "alexander", "sam": "samuel",
    "matt": "matthew", "pat": "patrick", "pete": "peter", "jon": "jonathan", "greg": "gregory",
    "jeff": "jeffrey", "fred": "frederick", "larry": "lawrence", "jerry": "gerald",
    "ken": "kenneth", "ron": "ronald", "don": "donald", "doug": "douglas", "tim": "timothy",
    "charlie": "charles", "chuck": "charles", "harry": "henry", "hank": "henry", "jack": "john",
    "johnny": "john", "liz": "elizabeth", "beth": "elizabeth", "betsy": "elizabeth",
    "kate": "katherine", "kathy": "katherine", "katie": "katherine", "meg": "margaret",
    "peggy": "margaret", "sue": "susan", "jenny": "jennifer", "jen": "jennifer",
    "cathy": "catherine", "vicky": "victoria", "becky": "rebecca", "judy": "judith",
    "wolf": "wolfgang", "avi": "abraham", "hans": "johannes", "jo": "johannes", "sandy": "alexander",
    "phil": "philip", "al": "albert", "bert": "albert", "walt": "walter", "stan": "stanley",
    "manny": "manuel", "nacho": "ignacio", "pepe": "jose", "paco": "francisco",
}  # fmt: skip

# Standard pinyin syllables, to tell a Chinese given name printed as one word ("Jianmin") from
# its initials ("J. M."): "jianmin" splits as jian+min, "jian" cannot give "J. M.".
_PINYIN_INITIALS = [
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "zh",
    "ch",
    "sh",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
]
_PINYIN_FINALS = [
    "a",
    "o",
    "e",
    "i",
    "u",
    "v",
    "ai",
    "ei",
    "ao",
    "ou",
    "an",
    "en",
    "ang",
    "eng",
    "ong",
    "ia",
    "ie",
    "iao",
    "iu",
    "ian",
    "in",
    "iang",
    "ing",
    "iong",
    "ua",
    "uo",
    "uai",
    "ui",
    "uan",
    "un",
    "uang",
    "ue",
    "van",
    "vn",
]
_PINYIN = frozenset(
    {i + f for i in _PINYIN_INITIALS for f in _PINYIN_FINALS}
    | {"a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "er"}
)


@dataclass(frozen=True, slots=True)
class Given:
    """One given name: ``text`` folded ("jianmin", "th", "a"), ``initial`` when printed as an
    abbreviation ("A.", "Th."), ``syllables`` the hyphenated parts' initials ("jm" for
    "Jian-Min", "j" for "Jianmin")."""

    text: str
    initial: bool
    syllables: str


@dataclass(frozen=True, slots=True)
class ParsedName:
    family: str  # folded, particles included, no spaces: "vandishoeck"
    given: tuple[Given, ...]

    @property
    def first_initial(self) -> str:
        return self.given[0].text[0] if self.given else ""

    @property
    def initials(self) -> str:
        return "".join(g.syllables for g in self.given)

    @property
    def full_first(self) -> str:
        """The first given name written out ("" when printed as an initial)."""
        return self.given[0].text if self.given and not self.given[0].initial else ""

    def short(self) -> str:
        """Readable key for evidence texts: "j m wang"."""
        return " ".join([*self.initials, self.family])


def fold(text: str) -> str:
    """Lower-case ASCII letters only: TeX accents decoded and any script transliterated."""
    return _NON_LETTER.sub("", unidecode(text).lower())


def _display_order(name: str) -> str:
    """ "Last, First" turned around; a trailing "Jr." kept out of the way."""
    name = " ".join(name.split())
    parts = [p.strip() for p in name.split(",")]
    parts = [p for p in parts if p and fold(p) not in _SUFFIXES]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}"
    return " ".join(parts)


@lru_cache(maxsize=500_000)
def parse_name(printed: str) -> ParsedName:
    name = _display_order(clean_name(printed) if "\\" in printed or "{" in printed else printed)
    name = unidecode(name)
    name = re.sub(r"\([^)]*\)", " ", name)  # nicknames "Xinyang (Fred) Liu"
    words = [w for w in re.split(r"\s+", name.replace(".", ". ").strip()) if w]
    words = [w for w in words if fold(w) and fold(w) not in _SUFFIXES]
    if not words:
        return ParsedName("", ())
    # Family name: the last word, with the particles printed before it.
    family_words = [words.pop()]
    while words and fold(words[-1]) in _PARTICLES and len(words) > 1:
        family_words.insert(0, words.pop())
    given: list[Given] = []
    for word in words:
        parts = [p for p in re.split(r"-+", word) if fold(p)]
        if not parts:
            continue
        # An abbreviation: a dot, one letter, or a short run of consonants printed without its
        # dot ("Th Henning" as "Th. Henning").
        abbreviated = [
            p.endswith(".") or len(fold(p)) == 1 or _CONSONANTS.fullmatch(fold(p)) is not None
            for p in parts
        ]
        if all(abbreviated):
            # "J.", "Th.", "H.-W.", and "JM" (initials run together, all capitals) below.
            texts = [fold(p) for p in parts]
            for t in texts:
                given.append(Given(t, True, t[0]))
            continue
        raw = "".join(p.rstrip(".") for p in parts)
        if raw.isupper() and 1 < len(raw) <= 3 and len(parts) == 1:
            for letter in fold(raw):
                given.append(Given(letter, True, letter))
            continue
        text = "".join(fold(p) for p in parts)
        syllables = "".join(fold(p)[0] for p in parts)
        given.append(Given(text, False, syllables))
    return ParsedName(fold("".join(family_words)), tuple(given))


def block_key(printed: str) -> str:
    """Folded family name and first initial: "wang j" for every printing of Jian-Min Wang."""
    parsed = parse_name(printed)
    return f"{parsed.family} {parsed.first_initial}".strip()


@lru_cache(maxsize=200_000)
def _pinyin_splits(text: str, letters: str) -> bool:
    """Can ``text`` be cut into pinyin syllables starting with ``letters`` in order?"""
    if not letters:
        return not text
    if not text or text[0] != letters[0]:
        return False
    for end in range(len(text), 0, -1):
        if text[:end] in _PINYIN and _pinyin_splits(text[end:], letters[1:]):
            return True
    return False


def _is_pinyin(text: str) -> bool:
    return any(_pinyin_splits(text, _first_letters(text, n)) for n in (1, 2, 3))


def _first_letters(text: str, n: int) -> str:
    """The initials of the first pinyin split of ``text`` into ``n`` syllables ("" if none)."""
    return _split_initials(text).get(n, "")


@lru_cache(maxsize=200_000)
def _split_initials(text: str) -> dict[int, str]:
    out: dict[int, str] = {}

    def walk(rest: str, letters: str) -> None:
        if not rest:
            out.setdefault(len(letters), letters)
            return
        for end in range(min(len(rest), 6), 0, -1):
            if rest[:end] in _PINYIN:
                walk(rest[end:], letters + rest[0])

    walk(text, "")
    return out


def _canonical(first: str) -> str:
    return _NICKNAMES.get(first, first)


def _full_names_agree(a: str, b: str) -> bool:
    return a == b or _canonical(a) == _canonical(b)


def _given_vs_initials(full: Given, letters: str) -> bool:
    """A written-out given name against the initials printed for it (and for later names)."""
    if full.syllables == letters[: len(full.syllables)] and len(full.syllables) > 1:
        return True  # "Jian-Min" / "J. M." (and "J. M. K." keeps "K." as a further name)
    if letters[0] != full.text[0]:
        return False
    if len(letters) == 1:
        return True
    # "Jianmin" / "J. M.": a run-together Chinese name gives one initial per syllable.
    splits = _split_initials(full.text)
    if splits:
        return any(s == letters[: len(s)] for n, s in splits.items() if n > 1)
    return True  # a Western name: the later initials are middle names ("Andrew C.")


def _later_names_printed(full_name: ParsedName, letters: str) -> bool:
    """ "Chun Hong" / "C. H.": a one-syllable Chinese given name printed with the next given
    name as a separate word; the initials are those of the words ("ch"), not of "chun"."""
    first = full_name.given[0]
    if first.initial or len(full_name.given) < 2 or len(first.syllables) != 1:
        return False
    splits = _split_initials(first.text)
    return set(splits) == {1} and full_name.initials.startswith(letters[:2]) and len(letters) > 1


@lru_cache(maxsize=1_000_000)
def compatibility(a: str, b: str) -> int:
    """How two printed names can be one person: INCOMPATIBLE, INITIALS_ONLY, INITIALS_MATCH or
    SAME_GIVEN_NAME. Different family names or first initials are INCOMPATIBLE."""
    pa, pb = parse_name(a), parse_name(b)
    return compatibility_parsed(pa, pb)


def compatibility_parsed(pa: ParsedName, pb: ParsedName) -> int:
    if pa.family != pb.family:
        return INCOMPATIBLE
    if not pa.given or not pb.given:
        return INITIALS_ONLY  # a family name alone ("Wang") contradicts nothing
    ga, gb = pa.given[0], pb.given[0]
    if ga.text[0] != gb.text[0]:
        return INCOMPATIBLE
    if not any(g.initial for g in pa.given + pb.given) and (
        "".join(g.text for g in pa.given) == "".join(g.text for g in pb.given)
    ):
        return SAME_GIVEN_NAME  # "Chun Hong" / "Chun-Hong" / "Chunhong"
    level = INITIALS_MATCH
    if not ga.initial and not gb.initial:
        if not _full_names_agree(ga.text, gb.text):
            return INCOMPATIBLE
        level = SAME_GIVEN_NAME
        rest_a, rest_b = pa.given[1:], pb.given[1:]
        return _rest(rest_a, rest_b, level)
    if ga.initial and gb.initial:
        # "Th." / "T.": prefixes of each other.
        if not (ga.text.startswith(gb.text) or gb.text.startswith(ga.text)):
            return INCOMPATIBLE
        ia, ib = pa.initials, pb.initials
        if ia == ib:
            return INITIALS_MATCH
        return INITIALS_ONLY if ia.startswith(ib) or ib.startswith(ia) else INCOMPATIBLE
    full, abbrev = (ga, pb) if not ga.initial else (gb, pa)
    full_name = pa if full is ga else pb
    if len(abbrev.given[0].text) > 1 and not full.text.startswith(abbrev.given[0].text):
        return INCOMPATIBLE  # "Th." is not "Tobias"
    letters = abbrev.initials
    if not _given_vs_initials(full, letters) and not _later_names_printed(full_name, letters):
        return INCOMPATIBLE
    rest_full = full_name.initials[len(full.syllables) :]
    rest_abbrev = letters[len(full.syllables) :] if len(letters) >= len(full.syllables) else ""
    if (
        len(full.syllables) == 1
        and len(letters) > 1
        and any(s == letters for s in _split_initials(full.text).values())
    ):
        rest_abbrev = ""  # "Jianmin" read as "J. M.": its syllables are the abbreviation's letters
    if (
        rest_full
        and rest_abbrev
        and not (rest_full.startswith(rest_abbrev) or rest_abbrev.startswith(rest_full))
    ):
        return INCOMPATIBLE
    if len(letters) == len(full_name.initials) or (
        len(full.syllables) == 1 and any(s == letters for s in _split_initials(full.text).values())
    ):
        return INITIALS_MATCH
    return INITIALS_ONLY


def _rest(rest_a: tuple[Given, ...], rest_b: tuple[Given, ...], level: int) -> int:
    """Later given names (middle names) after the first ones agreed: a missing one is fine,
    a different one is not."""
    for x, y in zip(rest_a, rest_b, strict=False):
        if x.text[0] != y.text[0]:
            return INCOMPATIBLE
        if not x.initial and not y.initial and not _full_names_agree(x.text, y.text):
            return INCOMPATIBLE
    return level
