"""Parse arXiv API (export.arxiv.org/api/query) Atom responses.

feedparser reads the feed, but it keeps a single ``arxiv:affiliation`` per entry, so each
author's affiliations are read from the XML itself. Both the old API (until 2025) and the
new backend (from 2025-11) are handled; they differ in namespace placement and element order,
not in meaning. What the API answers besides papers is turned into ``SkippedRecord`` values
a user can read: its in-band error feed, the "ghost" entries the old API returns for unknown
ids, and XML that does not parse.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import feedparser

from publications.arxiv.records import (
    AuthorRecord,
    ParsedItem,
    SkippedRecord,
    VersionRecord,
    WorkRecord,
)
from publications.arxiv.text import (
    abstract_paragraphs,
    clean_name,
    collapse_whitespace,
    parse_arxiv_date,
    split_arxiv_id,
    split_dois,
)

__all__ = ["AtomPage", "parse_atom", "refuse_dtd"]

SOURCE = "atom"
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
# "astro-ph", "hep-th", "math.AP", "cond-mat.stat-mech", "q-bio.SC"; not MSC ("35", "68T05")
# or ACM ("I.2.7") classes, which the API also lists as <category> terms.
_ARXIV_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(slots=True)
class AtomPage:
    """One API response: its entries in order, and the paging numbers OpenSearch gives."""

    items: list[ParsedItem] = field(default_factory=list)
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None


def refuse_dtd(data: bytes) -> str | None:
    """Why ``data`` must not be parsed, or None.

    arXiv never sends a DTD; one in a response can only be an entity-expansion attack or a
    proxy's error page, and ElementTree would expand its entities. defusedxml is not
    available, so the check is done before any parser sees the bytes.
    """
    if _DTD.search(data[:4096]) or (len(data) > 4096 and _DTD.search(data)):
        return "refusing XML that declares a DTD or entities (arXiv never sends one)"
    return None


def parse_atom(data: bytes) -> AtomPage:
    """Parse one API response into ``WorkRecord`` / ``SkippedRecord`` items, in feed order.

    An unusable response (XML syntax error, not a feed, DTD) gives a page holding a single
    fatal ``SkippedRecord`` so that a caller paging through results stops.
    """
    refused = refuse_dtd(data)
    if refused:
        return _fatal(refused)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return _fatal(f"malformed XML: {exc}")
    if root.tag != f"{_ATOM}feed":
        return _fatal(f"not an Atom feed: the document element is <{_local(root.tag)}>")
    parsed = feedparser.parse(data)
    xml_entries = root.findall(f"{_ATOM}entry")
    if parsed.bozo and not parsed.entries and xml_entries:
        return _fatal(f"feedparser could not read the feed: {parsed.get('bozo_exception')}")
    if len(parsed.entries) != len(xml_entries):
        return _fatal(
            f"feedparser found {len(parsed.entries)} entries where the XML has {len(xml_entries)}"
        )
    page = AtomPage(
        total_results=_opensearch(parsed.feed, root, "totalResults"),
        start_index=_opensearch(parsed.feed, root, "startIndex"),
        items_per_page=_opensearch(parsed.feed, root, "itemsPerPage"),
    )
    for number, (entry, element) in enumerate(zip(parsed.entries, xml_entries, strict=True), 1):
        page.items.append(_entry(entry, element, where=f"entry {number}"))
    return page


def _fatal(reason: str) -> AtomPage:
    return AtomPage(items=[SkippedRecord(where="page", reason=reason, fatal=True)])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _opensearch(feed: Any, root: ET.Element, name: str) -> int | None:
    value = feed.get(f"opensearch_{name.lower()}")
    if value is None:
        value = root.findtext(f"{_OPENSEARCH}{name}")
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _updated_date(entry: Any) -> dt.date | None:
    """<updated>: the new API moves it on metadata-only changes, so it dates the metadata."""
    try:
        return parse_arxiv_date(entry["updated"]).date() if entry.get("updated") else None
    except ValueError:
        return None


def _entry(entry: Any, element: ET.Element, *, where: str) -> ParsedItem:
    raw_id = (entry.get("id") or "").strip()
    title = collapse_whitespace(entry.get("title"))
    if "/api/errors" in raw_id:
        # The API reports a bad query as a feed with one entry titled "Error".
        message = collapse_whitespace(entry.get("summary")) or raw_id
        return SkippedRecord(where=where, reason=f"arXiv API error: {message}", fatal=True)
    if not raw_id:
        if not title:
            return SkippedRecord(
                where=where,
                reason="ghost entry: empty title and no arXiv id "
                "(the old API's answer for an id it does not know)",
            )
        return SkippedRecord(where=where, reason=f"entry {title!r} has no arXiv id")
    try:
        arxiv_id, version = split_arxiv_id(raw_id)
    except ValueError as exc:
        return SkippedRecord(where=where, reason=str(exc))
    if not title:
        return SkippedRecord(where=where, reason="empty title", arxiv_id=arxiv_id)
    try:
        versions = _versions(entry, version)
    except ValueError as exc:
        return SkippedRecord(where=where, reason=str(exc), arxiv_id=arxiv_id)
    dois = split_dois(entry.get("arxiv_doi"))
    return WorkRecord(
        arxiv_id=arxiv_id,
        title=title,
        authors=_authors(element),
        categories=_categories(entry),
        versions=versions,
        abstract=abstract_paragraphs(entry.get("summary")),
        comments=collapse_whitespace(entry.get("arxiv_comment")),
        journal_ref=collapse_whitespace(entry.get("arxiv_journal_ref")),
        doi=dois[0] if dois else "",
        source=SOURCE,
        latest_version=version,
        metadata_date=_updated_date(entry),
        extra={"dois": " ".join(dois)} if len(dois) > 1 else {},
    )


def _versions(entry: Any, version: int | None) -> list[VersionRecord]:
    """v1 is <published>; the entry's own version vN (N > 1) is <updated>.

    For a v1 entry <updated> is not a version date (the new API moves it on metadata-only
    changes), so it is not used.
    """
    published = entry.get("published")
    if not published:
        raise ValueError("entry has no <published> date")
    versions = [VersionRecord(1, parse_arxiv_date(published))]
    if version and version > 1:
        updated = entry.get("updated")
        if not updated:
            raise ValueError(f"v{version} entry has no <updated> date")
        versions.append(VersionRecord(version, parse_arxiv_date(updated)))
    return versions


def _authors(element: ET.Element) -> list[AuthorRecord]:
    authors = []
    for author in element.findall(f"{_ATOM}author"):
        name = clean_name(author.findtext(f"{_ATOM}name") or "")
        if not name:
            continue
        affiliations = [clean_name(a.text or "") for a in author.findall(f"{_ARXIV}affiliation")]
        authors.append(AuthorRecord(name, "; ".join(a for a in affiliations if a)))
    return authors


def _categories(entry: Any) -> list[str]:
    primary = ((entry.get("arxiv_primary_category") or {}).get("term") or "").strip()
    terms = [primary] if primary else []
    terms += [(tag.get("term") or "").strip() for tag in entry.get("tags") or []]
    return list(dict.fromkeys(t for t in terms if _ARXIV_CATEGORY.match(t)))
