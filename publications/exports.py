"""Citation and spreadsheet exports of works: BibTeX, RIS and CSV. Pure formatting (no ORM):
each function takes works as the export selectors load them (`author_names` in printed order)
and yields text, so the views can stream any number of works."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from publications.arxiv.text import MATH_SPANS

if TYPE_CHECKING:
    from publications.models import Work

# --- BibTeX ----------------------------------------------------------------------------------

# Characters LaTeX reads as commands outside mathematics; arXiv text types them bare ("50%",
# "R&D", "#1"). Backslashes are left alone: the text is TeX as the submitter typed it.
_LATEX_SPECIALS = re.compile(r"(?<!\\)([%&#])")
_BRACES = re.compile(r"(?<!\\)([{}])")


def _braces_balanced(text: str) -> bool:
    depth = 0
    for match in _BRACES.finditer(text):
        depth += 1 if match.group(1) == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def bibtex_value(text: str) -> str:
    """A field value safe inside BibTeX braces: %, & and # escaped outside mathematics, braces
    kept when they pair up and escaped when they do not (an unpaired brace ends the entry)."""
    text = " ".join(text.split())
    parts: list[str] = []
    last = 0
    for match in MATH_SPANS.finditer(text):
        parts.append(_LATEX_SPECIALS.sub(r"\\\1", text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_LATEX_SPECIALS.sub(r"\\\1", text[last:]))
    value = "".join(parts)
    if not _braces_balanced(value):
        value = _BRACES.sub(r"\\\1", value)
    if value.endswith("\\"):  # would escape the brace that closes the field
        value += " "
    return value


def _bibtex_name(name: str) -> str:
    # BibTeX splits the author list on " and ": a name holding the word is kept in one piece.
    value = bibtex_value(name)
    return f"{{{value}}}" if re.search(r"\band\b", value, re.IGNORECASE) else value


def _names(work: Work) -> list[str]:
    return work.author_names  # type: ignore[attr-defined]  # set by the export selectors


def bibtex_key(work: Work) -> str:
    return "arXiv:" + re.sub(r"[^A-Za-z0-9.:\-]", "_", work.arxiv_id)


def bibtex_entry(work: Work, *, site_url: str = "") -> str:
    """One entry: @article once arXiv records a journal reference, @misc (an e-print) before.
    Title and abstract are the TeX the submitter typed (Work.tex_originals)."""
    originals = work.tex_originals or {}
    fields: list[tuple[str, str]] = [
        ("title", "{" + bibtex_value(originals.get("title", work.title)) + "}"),
        ("author", " and ".join(_bibtex_name(n) for n in _names(work))),
    ]
    if work.first_submitted:
        fields.append(("year", str(work.first_submitted.year)))
    fields += [("eprint", work.arxiv_id), ("archivePrefix", "arXiv")]
    if work.primary_topic:
        fields.append(("primaryClass", work.primary_topic.code))
    if work.journal_ref:
        fields.append(("journal", bibtex_value(originals.get("journal_ref", work.journal_ref))))
    if work.doi:
        fields.append(("doi", bibtex_value(work.doi.split()[0])))
    fields.append(("url", work.abs_url))
    if work.comments:
        fields.append(("note", bibtex_value(originals.get("comments", work.comments))))
    kind = "article" if work.journal_ref else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{bibtex_key(work)},\n{body}\n}}\n"


def bibtex(works: Iterable[Work]) -> Iterator[str]:
    for work in works:
        yield bibtex_entry(work) + "\n"


# --- RIS -------------------------------------------------------------------------------------


def _ris_line(tag: str, value: str) -> str:
    # One tag per line: a line break inside a value would start a bogus tag.
    return f"{tag}  - {' '.join(value.split())}\r\n"


def ris_entry(work: Work) -> str:
    lines = [_ris_line("TY", "JOUR" if work.journal_ref else "UNPB")]
    lines.append(_ris_line("TI", work.title))
    lines += [_ris_line("AU", name) for name in _names(work)]
    if work.first_submitted:
        lines.append(_ris_line("PY", str(work.first_submitted.year)))
        lines.append(_ris_line("DA", work.first_submitted.strftime("%Y/%m/%d")))
    if work.abstract:
        lines.append(_ris_line("AB", work.abstract))
    if work.journal_ref:
        lines.append(_ris_line("JO", work.journal_ref))
    if work.doi:
        lines.append(_ris_line("DO", work.doi.split()[0]))
    if work.comments:
        lines.append(_ris_line("N1", work.comments))
    if work.primary_topic:
        lines.append(_ris_line("KW", work.primary_topic.code))
    lines += [
        _ris_line("ID", f"arXiv:{work.arxiv_id}"),
        _ris_line("UR", work.abs_url),
        _ris_line("L1", work.pdf_url),
        "ER  - \r\n",
    ]
    return "".join(lines)


def ris(works: Iterable[Work]) -> Iterator[str]:
    for work in works:
        yield ris_entry(work) + "\r\n"


# --- CSV -------------------------------------------------------------------------------------

# A cell a spreadsheet would run as a formula (=, +, -, @, and the tab and carriage return that
# some read the same way) gets a leading quote: exported text is data, never code.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(row: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(v) for v in row])
    return buffer.getvalue()


WORKS_CSV_HEADER = (
    "arxiv_id",
    "title",
    "authors",
    "year",
    "first_submitted",
    "latest_version_date",
    "versions",
    "primary_category",
    "journal_ref",
    "doi",
    "attached_by",
    "url",
)


def works_csv(works: Iterable[Work]) -> Iterator[str]:
    """A header, then one row per work; `attached_by` is how the record's authorship came about
    (arxiv, claim, curator)."""
    yield _csv_line(WORKS_CSV_HEADER)
    for work in works:
        yield _csv_line(
            (
                work.arxiv_id,
                work.title,
                "; ".join(_names(work)),
                work.first_submitted.year if work.first_submitted else "",
                work.first_submitted.isoformat() if work.first_submitted else "",
                work.latest_version_date.isoformat() if work.latest_version_date else "",
                work.version_count,
                work.primary_topic.code if work.primary_topic else "",
                work.journal_ref,
                work.doi,
                getattr(work, "attached_by", "") or "",
                work.abs_url,
            )
        )


def csv_rows(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    yield _csv_line(header)
    for row in rows:
        yield _csv_line(row)
