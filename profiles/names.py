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
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", stripped.casefold()).split())


def slug_for_key(key: str) -> str:
    """The stable URL slug of the record that receives imports for ``key``."""
    return "-".join(key.split()) or "author"


def split_slug(key: str, n: int) -> str:
    """Slug for the n-th record split off a name. The double dash never comes out of slug_for_key."""
    return f"{slug_for_key(key)}--{n}"
