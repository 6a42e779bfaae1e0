"""Mentions from arXiv JSON-lines records (the snapshot schema ``import_arxiv`` reads), for
measuring the engine on a labelled file without a database."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from publications.arxiv.authors import split_authors
from publications.arxiv.text import split_categories
from publications.identity.evidence import Mention
from publications.identity.names import block_key


def read_records(path: str | Path) -> Iterator[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {line_number}: not JSON ({error.msg})") from None


def _year(record: dict) -> int | None:
    versions = record.get("versions") or []
    if versions:
        created = str(versions[0].get("created", ""))
        for token in created.split():
            if len(token) == 4 and token.isdigit():
                return int(token)
    date = str(record.get("update_date") or "")
    return int(date[:4]) if date[:4].isdigit() else None


def mentions_from_records(
    records: Iterator[dict], wanted: Callable[[str], bool]
) -> tuple[list[Mention], dict[str, int]]:
    """Mentions of the authors whose block key passes ``wanted`` (key ``(arxiv id, position)``),
    and how many works print each co-author block key (the rarity of co-author names)."""
    mentions: list[Mention] = []
    coauthor_works: dict[str, int] = {}
    for record in records:
        authors = split_authors(record.get("authors") or "")
        names = [a.name for a in authors]
        keys = {block_key(n) for n in names}
        for k in keys:
            coauthor_works[k] = coauthor_works.get(k, 0) + 1
        categories = tuple(split_categories(record.get("categories")))
        text = f"{record.get('title') or ''} {record.get('abstract') or ''}"
        year = _year(record)
        arxiv_id = str(record.get("id"))
        for position, author in enumerate(authors, start=1):
            if not wanted(author.name):
                continue
            mentions.append(
                Mention(
                    key=(arxiv_id, position),
                    work=arxiv_id,
                    name=author.name,
                    affiliation=author.affiliation,
                    coauthors=tuple(n for k, n in enumerate(names, start=1) if k != position),
                    categories=categories,
                    year=year,
                    text=text,
                )
            )
    return mentions, coauthor_works
