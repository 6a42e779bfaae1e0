"""Wording generated from an author record's data. Pure functions: no ORM."""

from __future__ import annotations

from collections.abc import Sequence


def year_span(first_year: int | None, last_year: int | None, *, current_year: int) -> str:
    """ "in 2007", "since 2007" (still publishing: a work this year or last) or "2003–2010"."""
    if not first_year or not last_year:
        return ""
    if first_year == last_year:
        return f"in {first_year}"
    if last_year >= current_year - 1:
        return f"since {first_year}"
    return f"{first_year}–{last_year}"


def _named_list(topics: Sequence[tuple[str, str]]) -> str:
    names = [f"{name} ({code})" if name and name != code else code for name, code in topics]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def neutral_bio(
    *,
    name: str,
    works_count: int,
    topics: Sequence[tuple[str, str]],
    first_year: int | None = None,
    last_year: int | None = None,
    current_year: int,
) -> str:
    """A one-line description built only from imported facts, for records whose owner has not
    written a bio: no claims about the person, only what arXiv shows. `topics` are the record's
    main arXiv categories as (name, code), most works first."""
    if works_count <= 0:
        return f"{name} appears as an author on arXiv."
    works = "1 work" if works_count == 1 else f"{works_count:,} works"
    line = f"{name} has {works} on arXiv"
    span = year_span(first_year, last_year, current_year=current_year)
    if span:
        line += f" {span}" if not span[0].isdigit() else f" ({span})"
    if topics:
        line += f", {'in' if works_count == 1 else 'mostly in'} {_named_list(topics)}"
    return line + "."
