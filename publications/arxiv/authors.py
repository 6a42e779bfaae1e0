"""Split arXiv's free-text author line into ``AuthorRecord`` values.

arXiv stores authors as one string typed by the submitter (the snapshot's ``authors`` field,
arXivRaw's ``<authors>``). The rules below were chosen by reading the 143,258 astro-ph
author lines in ``shared/data/arxiv/snapshot`` and follow arXiv's own parser
(arxiv-browse ``author_affil.py``) where it has one:

* Authors are separated by ``,`` ``;`` ``:`` ``&`` and the word ``and`` (so ``, and`` too);
  anything inside brackets is never split.
* A bracketed group after a name is that author's affiliation. A group that only holds
  markers (``(1)``, ``(1,2)``, ``(1 and 3)``, ``(a, b)``) points into a legend, usually a
  trailing ``((1) Univ. A, (2) Univ. B)``; also understood are ``(1. A, 2. B)``,
  ``(1 A; 2 B)`` and a legend written after the last author without an outer bracket.
  Several affiliations of one author are joined with ``"; "``.
* **Back-propagation**: an author printed without an affiliation takes the next one printed
  after them, so in ``G.J. Qiao, R.X. Xu, B. Zhang (CAS-PKU BAC)`` all three share it. This
  is what arXiv's parser does (and what Kaggle's ``authors_parsed`` shows:
  ``David Jansen and Ewine van Dishoeck (Leiden)`` gives both Leiden), because submitters
  group co-authors by institution. It never crosses a collaboration name, and an author who
  carries markers the legend cannot resolve gets nothing rather than a neighbour's guess.
* ``et al`` and ``others`` are dropped. ``X for the Y Collaboration`` / ``on behalf of``
  become two entries, the person and the collaboration; collaborations stay authors because
  arXiv lists them as such. A bracketed ``(The MACHO Collaboration)`` is an author too.
* ``Smith, Jr.`` stays one author (``"John Smith, Jr."``), as does a nickname
  ``Xinyang (Fred) Liu``; an inverted list ``Martinez, P., Dorrer, C.`` is paired up as
  printed (``"Martinez, P."``) instead of being read as four people.
* Names and affiliations get TeX accents decoded and whitespace collapsed; nothing else is
  rewritten, so ``R.X. Xu`` stays ``R.X. Xu`` for the name normaliser to handle.
"""

from __future__ import annotations

import re

from publications.arxiv.records import AuthorRecord
from publications.arxiv.text import clean_name

__all__ = ["split_authors"]

_SEPARATOR = re.compile(r"\s*(?:,|;|:|&|\band\b)\s*")
_BRACKET = re.compile(r"[()\[\]]")
_SUFFIX = re.compile(r"^(?:Jr|Sr|jr|sr)\.?$|^(?:II|III|IV)$")
_ET_AL = re.compile(r"^(?:et\.?\s*al\.?|others)$", re.IGNORECASE)
_TRAILING_ET_AL = re.compile(r"\s+et\.?\s*al\.?$", re.IGNORECASE)
# "27 others", "17 additional authors not shown", "13-other-authors-of-the-ISOGAL-Collaboration"
_NOT_A_NAME = re.compile(r"^\d+[\s-]+(?:more|others?|additional)\b|\bnot shown\b", re.IGNORECASE)
_INITIALS = re.compile(r"^(?:[A-Z]\.?\s?-?\s?){1,4}$")
_FOR_THE = re.compile(r"^(.*?)\s*\b(?:for|on behalf of)\s+(?:the\s+)*(.+)$", re.IGNORECASE)
_STARTS_FOR_THE = re.compile(r"^(?:for|on behalf of)\s+(?:the\s+)*(.+)$", re.IGNORECASE)
_LOWER_THE = re.compile(r"^the\s+")
_COLLABORATION = re.compile(r"\b(?:collaboration|consortium|team|group)s?\b", re.IGNORECASE)
_BRACKETED_COLLABORATION = re.compile(
    r"^(?:the\s+)?[^,;]{1,60}?\s(?:collaboration|consortium)s?$", re.IGNORECASE
)
_MARKERS = re.compile(
    r"^(?:\d{1,3}|[a-z]{1,2})(?:\s*(?:,|;|&|\band\b|\s)\s*(?:\d{1,3}|[a-z]{1,2}))*$"
)
_MARKER = re.compile(r"\d{1,3}|[a-z]{1,2}")
_PAREN_KEY = re.compile(r"\(\s*(\d{1,3}|[a-z]{1,2})\s*\)")
_BARE_KEY = re.compile(r"(?<![\w.\-/])(\d{1,3})\s*(?:[.):,\-]+\s*|\s+)(?=\D)")
_NICKNAME = re.compile(r"^[A-Z][a-z]+$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_HAS_ALNUM = re.compile(r"[^\W_]")


class _Draft:
    """An author while the line is being read; affiliations are resolved at the end."""

    __slots__ = ("name", "affiliations", "markers", "collaboration")

    def __init__(self, name: str, *, collaboration: bool = False) -> None:
        self.name = name
        self.affiliations: list[str] = []
        self.markers: list[str] | None = None
        self.collaboration = collaboration


def split_authors(raw: str) -> list[AuthorRecord]:
    """Split a raw arXiv author line into authors in printed order, with affiliations."""
    line = " ".join(raw.split()) if raw else ""
    if not line:
        return []
    low = line.lower()
    words = (
        "the " in low
        or "not shown" in low
        or "other" in low
        or "additional" in low
        or "collab" in low
        or "consort" in low
        or "team" in low
        or "group" in low
        or "for " in low
        or "behalf" in low
        or "et al" in low
        or "et. al" in low
    )
    if "(" not in line and ")" not in line and "[" not in line and "]" not in line:
        # Fast path: ~75% of lines have no brackets, so there are no affiliations to place.
        drafts: list[_Draft] = []
        _add_names(drafts, _SEPARATOR.split(line), words)
        if "\\" in line or "{" in line or "~" in line:
            return [AuthorRecord(clean_name(d.name)) for d in drafts]
        return [AuthorRecord(d.name) for d in drafts]
    records = _split_with_groups(line, words)
    if not records and line[0] in "([":
        # The whole line bracketed: "(Adrian L. Melott)".
        return _split_with_groups(line[1:].removesuffix(")").removesuffix("]"), words)
    return records


def _add_names(drafts: list[_Draft], pieces: list[str], words: bool) -> None:
    """Append the names among split pieces, applying the suffix, et-al and collaboration rules.

    ``words`` says whether the line mentions et al, "for"/"on behalf of" or a collaboration
    at all (cheap substring tests in ``split_authors``); most lines do not, and skipping the
    regular expressions for them matters on the bulk import.
    """
    pieces = [p for p in pieces if p]
    # "Martinez, P., Dorrer, C.": surname, initials pairs are one author each. A surname
    # carries no initials itself, which keeps "R. Mckinven, F. (Adam) Dong" apart.
    if (
        len(pieces) >= 2
        and len(pieces) % 2 == 0
        and _INITIALS.match(pieces[1])
        and all(_INITIALS.match(p) for p in pieces[1::2])
        and not any("." in p or _INITIALS.match(p) for p in pieces[0::2])
    ):
        pieces = [f"{s}, {i}" for s, i in zip(pieces[0::2], pieces[1::2], strict=True)]
    for piece in pieces:
        if len(piece) <= 7:
            if _SUFFIX.match(piece):
                if drafts and not drafts[-1].collaboration:
                    drafts[-1].name = f"{drafts[-1].name}, {piece}"
                continue
            if _ET_AL.match(piece):
                continue
        if not (piece[0].isalpha() or _HAS_LETTER.search(piece)):
            continue
        if not words:
            drafts.append(_Draft(piece))
            continue
        piece = _TRAILING_ET_AL.sub("", piece)
        if _NOT_A_NAME.search(piece):
            continue
        if " for " in piece or "behalf" in piece or piece[:4].lower() == "for ":
            match = _FOR_THE.match(piece)
            # "A. Smith for the X Collaboration"; a bare "for the ..." needs no keyword.
            if match and (not match.group(1) or _COLLABORATION.search(match.group(2))):
                if match.group(1):
                    drafts.append(_Draft(match.group(1)))
                drafts.append(_Draft(match.group(2), collaboration=True))
                continue
        if piece.startswith("the ") or _COLLABORATION.search(piece):
            # "and the STIS IDT": a lower-case "the" never starts a person's name.
            drafts.append(_Draft(_LOWER_THE.sub("", piece), collaboration=True))
        else:
            drafts.append(_Draft(piece))


def _segments(line: str) -> list[tuple[bool, str, int]]:
    """Cut the line into top-level text and bracketed groups: (is_group, text, start).

    A stray closing bracket is dropped and an unclosed group runs to the end of the line;
    both occur in real lines.
    """
    segments: list[tuple[bool, str, int]] = []
    depth = 0
    last = 0
    opened = 0
    for match in _BRACKET.finditer(line):
        position = match.start()
        if match.group() in "([":
            if depth == 0:
                if position > last:
                    segments.append((False, line[last:position], last))
                opened = position
            depth += 1
        elif depth == 0:
            if position > last:
                segments.append((False, line[last:position], last))
            last = position + 1
        else:
            depth -= 1
            if depth == 0:
                segments.append((True, line[opened + 1 : position], opened))
                last = position + 1
    if depth > 0:
        segments.append((True, line[opened + 1 :], opened))
    elif last < len(line):
        segments.append((False, line[last:], last))
    return segments


def _split_with_groups(line: str, words: bool) -> list[AuthorRecord]:
    drafts: list[_Draft] = []
    legend: dict[str, str] = {}
    # A one-word group right after a one-word name may be a nickname: "Xinyang (Fred) Liu".
    nickname: tuple[_Draft, str] | None = None
    ends_with_name = False
    for is_group, text, start in _segments(line):
        if not is_group:
            raw_pieces = _SEPARATOR.split(text.strip())
            if not any(raw_pieces):
                continue
            if nickname is not None:
                draft, nick = nickname
                nickname = None
                if raw_pieces[0]:  # no separator between "(Fred)" and "Liu"
                    draft.name = f"{draft.name} ({nick}) {raw_pieces.pop(0)}"
                else:
                    draft.affiliations.append(nick)
            _add_names(drafts, raw_pieces, words)
            ends_with_name = bool(raw_pieces) and bool(_HAS_LETTER.search(raw_pieces[-1]))
            continue
        if nickname is not None:
            nickname[0].affiliations.append(nickname[1])
            nickname = None
        had_name = ends_with_name
        ends_with_name = False
        content = text.strip()
        if (
            not _HAS_ALNUM.search(content)
            or content.lower() == "and others"
            or _NOT_A_NAME.search(content)
        ):
            continue
        last = drafts[-1] if drafts else None
        if _MARKERS.match(content.rstrip(",; ")):
            markers = _MARKER.findall(content.replace("and", ","))
            if last is not None and last.markers is not None and markers[0] in ("1", "a"):
                # A second "(1)" straight after an author's markers starts a legend written
                # without an outer bracket: "G. Micela (1); (1) OA Palermo, (2) ESO Chile".
                legend = _parse_legend(line[start:])
                if legend:
                    break
            if last is not None:
                last.markers = (last.markers or []) + markers
            continue
        parsed = _parse_legend(content) if "(" in content or content[0].isdigit() else {}
        if parsed and any(d.markers for d in drafts):
            legend = parsed
            continue
        if parsed and content[0] == "(" and last is not None:
            # A legend nobody points to, "Maxim Lyutikov ((1) McGill University)": the
            # affiliations without their keys.
            last.affiliations.extend(parsed.values())
            continue
        if _BRACKETED_COLLABORATION.match(content) or _STARTS_FOR_THE.match(content):
            match = _STARTS_FOR_THE.match(content)
            name = match.group(1) if match else _LOWER_THE.sub("", content)
            drafts.append(_Draft(name, collaboration=True))
            continue
        if last is None:
            continue
        if (
            had_name
            and _NICKNAME.match(content)
            and " " not in last.name
            and not last.affiliations
            and last.markers is None
        ):
            nickname = (last, content)
            continue
        last.affiliations.append(content)
    if nickname is not None:
        nickname[0].affiliations.append(nickname[1])
    return _resolve(drafts, legend, tex="\\" in line or "{" in line or "~" in line)


def _parse_legend(text: str) -> dict[str, str]:
    """Read ``(1) A, (2) B`` / ``1. A; 2. B`` into {"1": "A", "2": "B"}; {} if it is not one.

    Keys must not decrease (bare numbers must even be consecutive) so that numbers inside an
    affiliation ("Via Beirut 2 - 4", "Roma 3") are not taken for keys.
    """
    text = text.strip()
    spans: list[tuple[str, int, int]] = []
    keyed = list(_PAREN_KEY.finditer(text))
    if keyed and keyed[-1].end() == len(text) and keyed[0].start() > 0:
        # Keys after their values: "(Pedagogical University (1), Univ. of Manchester (2))".
        legend: dict[str, str] = {}
        value_start = 0
        for match in keyed:
            value = _clean_legend_value(text[value_start : match.start()])
            if value:
                legend.setdefault(match.group(1), value)
            value_start = match.end()
        return legend
    if keyed and keyed[0].start() == 0:
        previous: tuple[int, str] = (0, "")
        for match in keyed:
            key = match.group(1)
            rank = (int(key), "") if key.isdigit() else (len(key), key)
            # ">=": a repeated key ("(8) MRAO; (8) N. Copernicus") adds a second affiliation.
            if rank >= previous and key.isdigit() == keyed[0].group(1).isdigit():
                spans.append((key, match.start(), match.end()))
                previous = rank
    else:
        expected = 1
        for match in _BARE_KEY.finditer(text):
            if int(match.group(1)) == expected and (spans or match.start() == 0):
                spans.append((match.group(1), match.start(), match.end()))
                expected += 1
        if not spans:
            return {}
    legend = {}
    for index, (key, _, value_start) in enumerate(spans):
        value_end = spans[index + 1][1] if index + 1 < len(spans) else len(text)
        value = _clean_legend_value(text[value_start:value_end])
        if value:
            legend[key] = f"{legend[key]}; {value}" if key in legend else value
    return legend


def _clean_legend_value(text: str) -> str:
    """Trim the punctuation that joins legend entries, keeping a final abbreviation dot."""
    value = clean_name(text).lstrip(" ,;:.-").rstrip(" ,;:-")
    value = value.removesuffix(" and").rstrip(" ,;")
    while value.endswith(")") and value.count(")") > value.count("("):
        value = value[:-1].rstrip(" ,;")
    return value


def _resolve(drafts: list[_Draft], legend: dict[str, str], *, tex: bool) -> list[AuthorRecord]:
    """Turn drafts into records: look markers up in the legend, then back-propagate.

    The line is already whitespace-collapsed, so only a line with TeX needs ``clean_name``.
    """
    resolved: list[str | None] = []
    for draft in drafts:
        parts = [(clean_name(a) if tex else a).strip(" ,;") for a in draft.affiliations]
        if draft.markers is not None:
            parts.extend(legend[m] for m in draft.markers if m in legend)
        parts = [p for p in parts if p]
        if parts:
            resolved.append("; ".join(dict.fromkeys(parts)))
        elif draft.markers is not None or draft.collaboration:
            resolved.append("")  # annotated but unresolvable: take nothing from neighbours
        else:
            resolved.append(None)
    carry = ""
    for index in range(len(drafts) - 1, -1, -1):
        if drafts[index].collaboration:
            carry = ""
        elif resolved[index] is None:
            resolved[index] = carry
        else:
            carry = resolved[index] or ""
    return [
        AuthorRecord((clean_name(d.name) if tex else d.name).strip(" ,;:&"), affiliation or "")
        for d, affiliation in zip(drafts, resolved, strict=True)
    ]
