"""Name normalisation for author identity. Pure functions: no ORM, fast enough for bulk loads.

An imported name becomes an author record by its *name key*: case, accents, spacing and punctuation
folded, and the "Last, First" form turned around, so "Lin, Dong", "dong  lin" and "Dóng Lin" share
one key. This joins homonyms on purpose (see DESIGN.md "Author identity"): claims, splits and
curation separate them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode decomposition does not reduce to a base letter.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "ł": "l",
        "Ł": "l",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def display_form(name: str) -> str:
    """The name as a person reads it: whitespace collapsed, "Last, First" turned into "First Last"."""
    name = " ".join(name.split())
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if first and last and first.lower() not in _SUFFIXES:
            return f"{first} {last}"
    return name


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """The identity key of a printed name ("" when the name has no letters or digits)."""
    name = display_form(name).translate(_SPECIAL)
    if name.isascii():  # most names: nothing to decompose or strip
        stripped = name
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", stripped.casefold()).split())


def slug_for_key(key: str) -> str:
    """The stable URL slug of the record that receives imports for ``key``."""
    return "-".join(key.split()) or "author"


def split_slug(key: str, n: int) -> str:
    """Slug for the n-th record split off a name. The double dash never comes out of slug_for_key."""
    return f"{slug_for_key(key)}--{n}"


# Lower-case particles that belong to a family name ("Robin de Jong", "Ewine van Dishoeck").
_PARTICLES = {
    "de",
    "del",
    "della",
    "der",
    "den",
    "van",
    "von",
    "da",
    "das",
    "dos",
    "du",
    "di",
    "la",
    "le",
    "ter",
    "ten",
    "zu",
    "y",
    "al",
    "el",
    "bin",
    "ibn",
}
_KEY_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def name_parts(name: str) -> tuple[str, list[str]]:
    """(family name, given names) of a printed name, folded like name_key: the family name is the
    last word ("Last, First" is turned around first; "Jr." and the like are dropped), the given
    names are the words before it, particles left out. ("", []) when there are no letters."""
    words = [w for w in name_key(name).split() if w not in _KEY_SUFFIXES]
    if not words:
        return "", []
    return words[-1], [w for w in words[:-1] if w not in _PARTICLES]


def _given_compatible(a: list[str], b: list[str]) -> bool:
    """Given names agree in order as far as both go: equal words, or an initial and a word
    starting with it ("J" and "Jacob"); a missing middle name is no contradiction. A printed
    name's initials may also be run together ("JP Smith" for "J. P. Smith")."""
    a = _split_initials(a)
    b = _split_initials(b)
    for x, y in zip(a, b, strict=False):
        if x == y:
            continue
        if len(x) == 1 and y.startswith(x) or len(y) == 1 and x.startswith(y):
            continue
        return False
    return True


def _split_initials(words: list[str]) -> list[str]:
    # "jp" printed without dots or spaces stays one word after folding; read two-letter
    # all-consonant words as initials ("jp" → "j", "p") but keep real names ("li", "yu").
    out: list[str] = []
    for w in words:
        if len(w) == 2 and not any(ch in "aeiouy" for ch in w):
            out.extend(w)
        else:
            out.append(w)
    return out


def names_compatible(printed: str, record_names: list[str]) -> bool:
    """Whether a printed author name can be the person of a record known by ``record_names``
    (display name and variants): same folded key, or the same family name with given names or
    initials that agree ("J. Devlin", "Jacob Devlin"; not "J. Hrivnak", not "Jane Devlin" for
    "Jacob Devlin"). Names written family-name first without a comma ("Lin Dong" for "Dong Lin")
    match when they hold the same words."""
    key = name_key(printed)
    if not key:
        return False
    family, given = name_parts(printed)
    for name in record_names:
        other = name_key(name)
        if not other:
            continue
        if other == key or sorted(other.split()) == sorted(key.split()):
            return True
        other_family, other_given = name_parts(name)
        if other_family == family and _given_compatible(given, other_given):
            return True
    return False
