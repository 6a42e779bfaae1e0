"""Small text helpers shared by the arXiv parsers.

arXiv metadata is typed by submitters: names carry TeX accent macros (``Bal\\'azs``), fields
are wrapped at 80 columns, and every interface prints dates its own way. These helpers turn
that into the one shape ``WorkRecord`` promises (Unicode names, single spaces, aware UTC
datetimes) so each parser does not reinvent it slightly differently.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = [
    "collapse_whitespace",
    "abstract_paragraphs",
    "decode_tex_accents",
    "clean_name",
    "parse_arxiv_date",
    "split_arxiv_id",
    "split_dois",
    "split_categories",
]


def collapse_whitespace(text: str | None) -> str:
    """Join lines and runs of spaces into single spaces; arXiv wraps every field at 80 columns."""
    if not text:
        return ""
    return " ".join(text.split())


# arXiv starts a new paragraph of an abstract with a line break followed by indentation.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]+(?=\S)")


def abstract_paragraphs(text: str | None) -> str:
    """An abstract with its paragraphs kept: each paragraph's lines joined by single spaces,
    paragraphs separated by a blank line ("\\n\\n"). Wrapped lines are not paragraph breaks;
    only a line break followed by indentation is."""
    if not text:
        return ""
    paragraphs = (collapse_whitespace(part) for part in _PARAGRAPH_BREAK.split(text.strip()))
    return "\n\n".join(p for p in paragraphs if p)


# TeX accent macro -> Unicode combining character.
_COMBINING = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
# Letters TeX spells as control words.
_SPECIAL_LETTERS = {
    "ss": "ß",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dj": "đ",
    "DJ": "Đ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
}
# The argument of an accent: a letter, braced or not, or the dotless \i / \j (submitters
# write "F\'\isica", so \i counts even when letters follow it).
_ACCENT_ARG = r"(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij]|[A-Za-z]))"
# \'a  \'{a}  \' a  \'\i  \'{\i}: a symbol accent may be followed directly by its letter.
_SYMBOL_ACCENT = re.compile(r"\\(['`^\"~=.])\s*" + _ACCENT_ARG)
# \c{c}  \v s  \u{g}: a letter accent takes braces or a space before its argument ...
_LETTER_ACCENT = re.compile(
    r"\\([uvHckrdb])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+(\\[ij]|[A-Za-z]))"
)
# ... but names also carry "Rai\vcevi\'c" and "\cCelik", which TeX would reject and arXiv
# readers still read as accents; only the accents common in names are taken that way.
_GLUED_LETTER_ACCENT = re.compile(r"\\([vcHuk])([A-Za-z])")
# Footnote macros left in a few author lines ("R. G\"usten\inst{1}") are not part of a name.
_FOOTNOTE_MACRO = re.compile(
    r"\\(?:inst|thanks|altaffilmark|altaffiltext|fnmsep|footnotemark|dag|ddag)\b\*?(?:\{[^{}]*\})?"
)
# Letters TeX spells as control words; TeX swallows the spaces after them ("Bj\o rn" is
# "Bjørn"), and submitters glue them to the next letters ("J\orgensen", "En\sslin").
_SPECIAL = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|dh|DH|dj|DJ|th|TH|ng|NG|o|O|l|L|i|j)(?:\{\}|\s+)?")
_ESCAPED = {"&": "&", "_": "_", "%": "%", "$": "$", "#": "#", ",": " ", ";": " ", " ": " "}
_ESCAPE = re.compile(r"\\([&_%$#,; ])")


def _accent(match: re.Match[str]) -> str:
    base = match.group(2) or match.group(3)
    if base.startswith("\\"):  # \i and \j are the dotless letters accents sit on
        base = base[1]
    return unicodedata.normalize("NFC", base + _COMBINING[match.group(1)])


def _glued_accent(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", match.group(2) + _COMBINING[match.group(1)])


def decode_tex_accents(text: str) -> str:
    """Turn TeX accent macros into Unicode: ``G\\"ahler`` -> ``Gähler``, ``{\\ss}`` -> ``ß``.

    Meant for names and affiliations only. Braces left over once the macros are gone are
    grouping, not content, so they are dropped; ``~`` is TeX's unbreakable space. Titles and
    abstracts must not go through this: their ``$\\tilde{x}$`` is mathematics, not an accent.
    """
    if "\\" not in text and "{" not in text and "~" not in text:
        return text
    if "\\" in text:
        text = _FOOTNOTE_MACRO.sub("", text)
        text = _SYMBOL_ACCENT.sub(_accent, text)
        text = _LETTER_ACCENT.sub(_accent, text)
        text = _GLUED_LETTER_ACCENT.sub(_glued_accent, text)
        text = _SPECIAL.sub(lambda m: _SPECIAL_LETTERS[m.group(1)], text)
        text = _ESCAPE.sub(lambda m: _ESCAPED[m.group(1)], text)
    text = text.replace("{", "").replace("}", "").replace("~", " ")
    return text.rstrip("\\")


def clean_name(text: str) -> str:
    """A name or affiliation as ``AuthorRecord`` stores it: accents decoded, single spaces."""
    return collapse_whitespace(decode_tex_accents(text))


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# "Mon, 2 Apr 2007 19:18:42 GMT" (snapshot versions, arXivRaw); parsed by hand because the
# bulk loader reads ~300,000 of these and strptime is several times slower.
_RFC822 = re.compile(
    r"^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*(?:GMT|UT|UTC|Z|\+0000|-0000)?$"
)
_DATE_ONLY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_arxiv_date(value: str) -> dt.datetime:
    """Parse any date arXiv prints into an aware UTC datetime.

    Accepts RFC 822 (``Mon, 2 Apr 2007 19:18:42 GMT``), ISO 8601 with ``Z`` or an offset
    (``2022-01-31T18:59:34Z``, ``2025-08-20T00:00:00-04:00``) and bare dates (``2014-01-09``,
    taken as midnight UTC). Raises ``ValueError`` naming the value otherwise.
    """
    text = value.strip()
    match = _RFC822.match(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        month_number = _MONTHS.get(month.title())
        if month_number is None:
            raise ValueError(f"unknown month in date {value!r}")
        return dt.datetime(
            int(year),
            month_number,
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            tzinfo=dt.UTC,
        )
    match = _DATE_ONLY.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return dt.datetime(year, month, day, tzinfo=dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an arXiv date: {value!r}") from None
    if parsed.tzinfo is None:  # arXiv's undated-zone timestamps are UTC
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


# An id as the API and OAI print it, with optional URL / "arXiv:" / OAI prefix and version.
_ARXIV_ID = re.compile(
    r"^(?:https?://(?:export\.)?arxiv\.org/abs/|arxiv:|oai:arxiv\.org:)?"
    r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$",
    re.IGNORECASE,
)


def split_arxiv_id(value: str) -> tuple[str, int | None]:
    """Split ``http://arxiv.org/abs/hep-th/9901001v2`` into ``("hep-th/9901001", 2)``.

    The version is ``None`` when the id carries none. Raises ``ValueError`` for anything
    that is not an arXiv identifier (for example the API's ``/api/errors#...`` ids).
    """
    match = _ARXIV_ID.match(value.strip())
    if not match:
        raise ValueError(f"not an arXiv identifier: {value!r}")
    version = match.group(2)
    return match.group(1), int(version) if version else None


_DOI_SEPARATOR = re.compile(r"[\s;,]+")


def split_dois(value: str | None) -> list[str]:
    """The DOIs in arXiv's doi field, which holds several for errata ("10.1/a 10.1/b")."""
    if not value:
        return []
    return [doi for doi in _DOI_SEPARATOR.split(value.strip()) if doi]


def split_categories(value: str | None) -> list[str]:
    """Space-separated categories, first (primary) first, duplicates dropped."""
    if not value:
        return []
    return list(dict.fromkeys(value.split()))
