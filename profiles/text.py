"""Wording generated from an author record's data. Pure functions: no ORM."""

from __future__ import annotations

from collections.abc import Sequence


def neutral_bio(
    *, name: str, works_count: int, topic_codes: Sequence[str], first_year: int | None = None,
    last_year: int | None = None,
) -> str:
    """A one-line description built only from imported facts, for records whose owner has not
    written a bio: no claims about the person, only what arXiv shows."""
    if works_count <= 0:
        return f"{name} appears as an author on arXiv."
    works = "1 work" if works_count == 1 else f"{works_count:,} works"
    line = f"{name} has {works} on arXiv"
    if topic_codes:
        line += f", mostly in {', '.join(topic_codes)}"
    if first_year and last_year:
        line += f", {first_year}" if first_year == last_year else f", {first_year}–{last_year}"
    return line + "."
