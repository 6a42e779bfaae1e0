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
from dataclasses import dataclass

from pylatexenc import latex2text as l2t
from pylatexenc import latexwalker as lw
from pylatexenc import macrospec

__all__ = [
    "collapse_whitespace",
    "abstract_paragraphs",
    "decode_tex_accents",
    "clean_name",
    "parse_arxiv_date",
    "split_arxiv_id",
    "split_dois",
    "split_categories",
    "tex_to_unicode",
    "tex_paragraphs_to_unicode",
    "fold_accents",
    "WorkText",
    "work_text",
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


# --- Text-mode TeX in titles, abstracts, comments and journal references -------------------------
#
# Submitters type these fields in TeX: "Monge-Amp\`ere", "K\"ahler", "D{\'e}cembre", "{\deg}C".
# pylatexenc's latex2text turns the text-mode macros into Unicode; mathematics ($...$, \(...\),
# \[...\], equation environments) is kept verbatim for KaTeX in the browser. Macros it does not
# know (and references such as \cite, \ref, \url) stay as typed rather than disappear, "~" stays a
# tilde (arXiv abstracts use it for "approximately" as often as for TeX's tie), and "\$" keeps its
# backslash so KaTeX does not take it for the start of mathematics.

# The placeholder categories print "<cit.>" for \cite and the like; the other two are exercise-sheet
# and quantum-information macros that are more likely to be someone's own macro than those.
_TEXT_DB = l2t.get_default_latex_context_db().filter_context(
    exclude_categories=["latex-placeholders", "latex-ethuebung", "nonstandard-qit"]
)
_TEXT_DB.add_context_category(
    "bzpeer-text",
    prepend=True,
    macros=[
        l2t.MacroTextSpec("deg", simplify_repl="°"),
        l2t.MacroTextSpec("degr", simplify_repl="°"),
        # Old font switches ("{\\it Cegrell's} classes") change the look, not the text.
        *(
            l2t.MacroTextSpec(name, discard=True)
            for name in ("it", "bf", "em", "rm", "sl", "sc", "tt", "sf")
        ),
    ],
    environments=[],
    specials=[l2t.SpecialsTextSpec("~", "~")],
)
# Kept exactly as typed even when latex2text has a rendering for them.
_VERBATIM_MACROS = frozenset(
    {
        "$",
        "cite",
        "citep",
        "citet",
        "ref",
        "eqref",
        "label",
        "url",
        "href",
        "footnote",
        "thanks",
        "input",
        "include",
        "verb",
    }
)
# Only text that holds a backslash, a brace or TeX quotes (``...'') can carry text-mode TeX; the rest
# (most arXiv text) is returned untouched without parsing. "--" alone is left as typed.
_TEX_HINT = re.compile(r"[\\{}]|``")


def _has_tex(text: str) -> bool:
    # The same test as _TEX_HINT, as substring checks: several times faster on the ~500,000
    # fields of a large import, almost all of them without TeX.
    return "\\" in text or "{" in text or "}" in text or "``" in text


# The parser must know the arguments of the macros kept verbatim, or "\href{a}{b}" loses its braces.
_PARSE_DB = lw.get_default_latex_context_db()
_PARSE_DB.add_context_category(
    "bzpeer-parse", prepend=True, macros=[macrospec.std_macro("href", False, 2)], environments=[]
)
# A "%" in arXiv text is a percent sign, not the start of a TeX comment.
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_MACRO_BEFORE = re.compile(r"\\([A-Za-z]+)\s*$")


class _TextModeConverter(l2t.LatexNodes2Text):
    source = ""

    def _kept_verbatim(self, name: str) -> bool:
        return name in _VERBATIM_MACROS or self.latex_context.get_macro_spec(name) is None

    def macro_node_to_text(self, node):  # type: ignore[no-untyped-def]
        if self._kept_verbatim(node.macroname):
            return node.latex_verbatim()
        return super().macro_node_to_text(node)

    def group_node_to_text(self, node):  # type: ignore[no-untyped-def]
        # "\foo{bar}" with an unknown \foo stays "\foo{bar}", not "\foobar".
        before = _MACRO_BEFORE.search(self.source, 0, node.pos)
        if before and self._kept_verbatim(before.group(1)):
            return node.latex_verbatim()
        return super().group_node_to_text(node)


_CONVERTER = _TextModeConverter(
    latex_context=_TEXT_DB, math_mode="verbatim", keep_comments=True, strict_latex_spaces=True
)


def _braces_balanced(text: str) -> bool:
    depth = 0
    for i, char in enumerate(text):
        if char in "{}" and i and text[i - 1] == "\\":
            continue
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            return False
    return depth == 0


# Mathematics, kept verbatim for KaTeX: $$...$$, $...$, \(...\), \[...\] and environments.
MATH_SPANS = re.compile(
    r"\$\$.+?\$\$|(?<!\\)\$.+?(?<!\\)\$|\\\(.+?\\\)|\\\[.+?\\\]"
    r"|\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}",
    re.DOTALL,
)


def _convert_chunk(chunk: str) -> str:
    """One run of words holding TeX, outside mathematics, braces balanced."""
    if "$" in chunk.replace("\\$", "") or not _braces_balanced(chunk):
        return chunk
    source = _BARE_PERCENT.sub(r"\\%", chunk)
    try:
        nodes, _, _ = lw.LatexWalker(
            source, latex_context=_PARSE_DB, tolerant_parsing=False
        ).get_latex_nodes()
        _CONVERTER.source = source
        converted = _CONVERTER.nodelist_to_text(nodes)
    except Exception:  # pylatexenc raises assorted errors on malformed input
        return chunk
    return collapse_whitespace(converted)


def _brace_depth(word: str) -> int:
    return word.count("{") - word.count("\\{") - word.count("}") + word.count("\\}")


def _convert_text_run(run: str) -> str:
    # Only the words holding TeX are parsed (a braced group is one run, spaces and all): parsing
    # is char by char in pure Python, and most of an abstract is plain words.
    words = run.split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        if not _TEX_HINT.search(words[i]):
            out.append(words[i])
            i += 1
            continue
        j, depth = i, _brace_depth(words[i])
        while depth > 0 and j + 1 < len(words):
            j += 1
            depth += _brace_depth(words[j])
        out.append(_convert_chunk(" ".join(words[i : j + 1])))
        i = j + 1
    return " ".join(out)


def tex_to_unicode(text: str) -> str:
    """A title, comment or journal reference with its text-mode TeX turned into Unicode
    (``Monge-Amp\\`ere`` -> ``Monge-Ampère``, ``{\\deg}C`` -> ``°C``), mathematics kept verbatim,
    whitespace collapsed. A part the converter cannot read safely (unbalanced braces, a lone "$",
    a parse error) is kept as typed: showing the TeX beats losing words."""
    if not _has_tex(text):
        return collapse_whitespace(text) if "  " in text or "\n" in text else text
    text = collapse_whitespace(text)
    parts: list[str] = []
    last = 0
    for match in MATH_SPANS.finditer(text):
        parts.append(_convert_text_run(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_convert_text_run(text[last:]))
    return collapse_whitespace("".join(parts)) or text


def tex_paragraphs_to_unicode(text: str) -> str:
    """An abstract (paragraphs separated by a blank line) converted paragraph by paragraph."""
    return "\n\n".join(tex_to_unicode(p) for p in text.split("\n\n") if p.strip())


_COMBINING_MARK = re.compile(r"[\u0300-\u036f]")
_FOLDED_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)


def fold_accents(text: str) -> str:
    """``Monge-Ampère`` -> ``Monge-Ampere``, ``Paczyński`` -> ``Paczynski``: what a search typed
    without accents should match. Other scripts are left alone."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLDED_LETTERS))
    return unicodedata.normalize("NFC", _COMBINING_MARK.sub("", decomposed))


@dataclass(frozen=True, slots=True)
class WorkText:
    """A work's text fields as the pages show them, and what they need besides."""

    title: str
    abstract: str
    comments: str
    journal_ref: str
    # The fields as typed on arXiv, only those the conversion changed: {"title": "...", ...}.
    originals: dict[str, str]
    # The title and abstract with accents folded, when that differs from them ("" otherwise):
    # what lets a search typed without accents find "Monge-Ampère".
    folded: str


def work_text(*, title: str, abstract: str, comments: str, journal_ref: str) -> WorkText:
    """Convert a work's text-mode TeX to Unicode, keeping the originals that changed."""
    typed = {"title": title, "abstract": abstract, "comments": comments, "journal_ref": journal_ref}
    if not (_has_tex(title) or _has_tex(abstract) or _has_tex(comments) or _has_tex(journal_ref)):
        # Most works: nothing to convert.
        searchable = f"{title}\n{abstract}"
        folded = "" if searchable.isascii() else fold_accents(searchable)
        return WorkText(**typed, originals={}, folded=folded if folded != searchable else "")
    shown = {
        "title": tex_to_unicode(title),
        "abstract": tex_paragraphs_to_unicode(abstract),
        "comments": tex_to_unicode(comments),
        "journal_ref": tex_to_unicode(journal_ref),
    }
    # Only real changes count: whitespace the parsers already collapsed is not an original.
    originals = {
        name: typed[name] for name in typed if shown[name] != typed[name] and _has_tex(typed[name])
    }
    shown = {name: shown[name] if name in originals else typed[name] for name in typed}
    searchable = f"{shown['title']}\n{shown['abstract']}"
    folded = fold_accents(searchable)
    return WorkText(**shown, originals=originals, folded=folded if folded != searchable else "")
