"""Parse arXiv OAI-PMH responses (export.arxiv.org/oai2): ListRecords and GetRecord pages.

Two metadata formats carry what BZPEER needs. ``arXivRaw`` has every version with its date
and size, and the authors as the submitter typed them (split with ``split_authors``).
``arXiv`` has structured authors (keyname, forenames, suffix, affiliation) but only the
first-submission and last-update dates, so its records keep those in ``created``/``updated``
and list just v1. Protocol errors become ``error_code``/``error_message`` on the page rather
than exceptions: ``noRecordsMatch`` is the normal answer for a window with no changes, and
the harvester decides what the others mean.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from publications.arxiv.atom import refuse_dtd
from publications.arxiv.authors import split_authors
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
    split_categories,
    split_dois,
)

__all__ = ["OaiPage", "parse_oai"]

_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
_ARXIV = "{http://arxiv.org/OAI/arXiv/}"
_FORMATS = {f"{_RAW}arXivRaw": "arXivRaw", f"{_ARXIV}arXiv": "arXiv"}
_EXTRA_FIELDS = ("msc-class", "acm-class")


@dataclass(slots=True)
class OaiPage:
    """One OAI-PMH response. ``resumption_token`` is None on the last page of a list."""

    items: list[ParsedItem] = field(default_factory=list)
    resumption_token: str | None = None
    complete_list_size: int | None = None
    cursor: int | None = None
    error_code: str | None = None  # OAI-PMH code, or "malformed" when the XML is unreadable
    error_message: str | None = None
    metadata_prefix: str | None = None


def parse_oai(data: bytes) -> OaiPage:
    """Parse a ListRecords or GetRecord response in the arXiv or arXivRaw format."""
    refused = refuse_dtd(data)
    if refused:
        return OaiPage(error_code="malformed", error_message=refused)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:  # the message names the line and column
        return OaiPage(error_code="malformed", error_message=f"malformed XML: {exc}")
    if root.tag != f"{_OAI}OAI-PMH":
        tag = root.tag.rsplit("}", 1)[-1]
        return OaiPage(
            error_code="malformed",
            error_message=f"not an OAI-PMH response: the document element is <{tag}>",
        )
    request = root.find(f"{_OAI}request")
    page = OaiPage(metadata_prefix=request.get("metadataPrefix") if request is not None else None)
    errors = root.findall(f"{_OAI}error")
    if errors:
        page.error_code = errors[0].get("code") or "unknown"
        page.error_message = "; ".join(collapse_whitespace(e.text) for e in errors)
        return page
    container = root.find(f"{_OAI}ListRecords")
    if container is None:
        container = root.find(f"{_OAI}GetRecord")
    if container is None:
        return page
    for number, record in enumerate(container.findall(f"{_OAI}record"), 1):
        item, prefix = _record(record, where=f"record {number}")
        page.items.append(item)
        page.metadata_prefix = page.metadata_prefix or prefix
    token = container.find(f"{_OAI}resumptionToken")
    if token is not None:
        page.resumption_token = (token.text or "").strip() or None
        page.complete_list_size = _int(token.get("completeListSize"))
        page.cursor = _int(token.get("cursor"))
    return page


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _record(record: ET.Element, *, where: str) -> tuple[ParsedItem, str | None]:
    header = record.find(f"{_OAI}header")
    identifier = header.findtext(f"{_OAI}identifier", "") if header is not None else ""
    arxiv_id = identifier.strip().removeprefix("oai:arXiv.org:")
    if header is not None and header.get("status") == "deleted":
        return SkippedRecord(where=where, reason="deleted upstream", arxiv_id=arxiv_id), None
    metadata = record.find(f"{_OAI}metadata")
    body = metadata[0] if metadata is not None and len(metadata) else None
    if body is None:
        return SkippedRecord(where=where, reason="record has no metadata", arxiv_id=arxiv_id), None
    prefix = _FORMATS.get(body.tag)
    if prefix is None:
        reason = f"unsupported metadata format <{body.tag.rsplit('}', 1)[-1]}>"
        return SkippedRecord(where=where, reason=reason, arxiv_id=arxiv_id), None
    ns = _RAW if prefix == "arXivRaw" else _ARXIV
    try:
        item = _work(body, ns, prefix, where=where, fallback_id=arxiv_id)
    except ValueError as exc:
        item = SkippedRecord(where=where, reason=str(exc), arxiv_id=arxiv_id)
    if isinstance(item, WorkRecord) and header is not None:
        item.metadata_date = _datestamp(header.findtext(f"{_OAI}datestamp", ""))
    return item, prefix


def _datestamp(value: str) -> dt.date | None:
    """The OAI header datestamp: when arXiv last changed the record."""
    try:
        return dt.date.fromisoformat(value.strip()[:10]) if value.strip() else None
    except ValueError:
        return None


def _work(body: ET.Element, ns: str, prefix: str, *, where: str, fallback_id: str) -> ParsedItem:
    def text(name: str) -> str:
        return collapse_whitespace(body.findtext(f"{ns}{name}"))

    arxiv_id = text("id") or fallback_id
    if not arxiv_id:
        return SkippedRecord(where=where, reason="no arXiv id")
    arxiv_id = split_arxiv_id(arxiv_id)[0]
    title = text("title")
    if not title:
        return SkippedRecord(where=where, reason="empty title", arxiv_id=arxiv_id)
    dois = split_dois(text("doi"))
    extra = {key: text(key) for key in _EXTRA_FIELDS if text(key)}
    if len(dois) > 1:
        extra["dois"] = " ".join(dois)
    work = WorkRecord(
        arxiv_id=arxiv_id,
        title=title,
        authors=[],
        categories=split_categories(text("categories")),
        versions=[],
        abstract=abstract_paragraphs(body.findtext(f"{ns}abstract")),
        comments=text("comments"),
        journal_ref=text("journal-ref"),
        doi=dois[0] if dois else "",
        report_no=text("report-no"),
        license=text("license"),
        submitter=text("submitter"),
        source=f"oai-{prefix}",
        extra=extra,
    )
    if prefix == "arXivRaw":
        work.authors = split_authors(body.findtext(f"{ns}authors") or "")
        work.versions = _raw_versions(body)
    else:
        work.authors = _structured_authors(body)
        created, updated = text("created"), text("updated")
        if not created:
            raise ValueError("record has no <created> date")
        work.created = parse_arxiv_date(created)
        work.updated = parse_arxiv_date(updated) if updated else None
        work.versions = [VersionRecord(1, work.created)]
    return work


def _raw_versions(body: ET.Element) -> list[VersionRecord]:
    """``<version version="v2"><date>Tue, 2 Apr 2013 01:50:08 GMT</date><size>849kb</size>``."""
    versions: dict[int, VersionRecord] = {}
    for element in body.findall(f"{_RAW}version"):
        label = (element.get("version") or "").strip()
        if len(label) < 2 or label[0] not in "vV" or not label[1:].isdigit():
            raise ValueError(f"bad version label {label!r}")
        date = element.findtext(f"{_RAW}date") or ""
        try:
            created = parse_arxiv_date(date)
        except ValueError as exc:
            raise ValueError(f"bad date for {label}: {exc}") from None
        size = (element.findtext(f"{_RAW}size") or "").strip()
        versions[int(label[1:])] = VersionRecord(int(label[1:]), created, size)
    return [versions[n] for n in sorted(versions)]


def _structured_authors(body: ET.Element) -> list[AuthorRecord]:
    """arXiv format: ``<author><keyname/><forenames/><suffix/><affiliation/>*</author>``.

    The printed name is "forenames keyname suffix" ("Raymond E. White III"); TeX in the
    parts is decoded like in a raw author line.
    """
    authors = []
    for author in body.iterfind(f"{_ARXIV}authors/{_ARXIV}author"):
        parts = [author.findtext(f"{_ARXIV}{part}") for part in ("forenames", "keyname", "suffix")]
        name = clean_name(" ".join(p for p in parts if p))
        if not name:
            continue
        affiliations = [clean_name(a.text or "") for a in author.findall(f"{_ARXIV}affiliation")]
        authors.append(AuthorRecord(name, "; ".join(a for a in affiliations if a)))
    return authors
