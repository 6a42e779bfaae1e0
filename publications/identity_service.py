"""Apply the author identity engine (publications/identity) to the database.

``resolve_identities`` loads the authorships of some name blocks (or all), clusters them, and
merges records the engine finds to be one person: the smaller record is merged into the larger
(the survivor) with the curation merge machinery, so its URL redirects (301) and its follows,
claims and history move. Each decision is stored as an ``IdentityDecision`` with its evidence.

People and curators win. A record is *fixed* when it is claimed, does not receive imports
(split off by a curator), holds an attribution made by a claim, a curator or "not mine", or
has a curation event made by a person; the engine never moves anything into or out of a fixed
record: it stores a ``proposal`` instead. Two fixed records are never clustered together.
A second pass over the same data changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q

from publications.curation import _merge, authors_changed_on_commit
from publications.identity.cluster import cluster_evidence, reason_text, resolve
from publications.identity.evidence import Corpus, Mention
from publications.identity.model import default_model
from publications.identity.names import block_key
from publications.identity.records import plan_merges
from publications.models import Author, AuthorshipSource, CurationEvent, IdentityDecision

logger = logging.getLogger(__name__)


@dataclass
class PassResult:
    authorships: int = 0
    blocks: int = 0
    merged: int = 0
    proposals: int = 0
    seconds: float = 0.0
    decisions: list[int] = field(default_factory=list)


def _load(block_keys: set[str] | None):
    """Mentions (key = authorship id) of live records, with each authorship's record."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id, s.work_id, s.position, s.printed_name, s.printed_affiliation, s.author_id,
                   s.source, w.title, w.abstract, EXTRACT(YEAR FROM w.first_submitted)::int
            FROM publications_authorship s
            JOIN publications_work w ON w.id = s.work_id
            WHERE NOT w.hidden
            """
        )
        rows = cursor.fetchall()
        cursor.execute(
            """
            SELECT wt.work_id, t.code, wt.is_primary FROM publications_worktopic wt
            JOIN publications_topic t ON t.id = wt.topic_id
            """
        )
        topics: dict[int, list[tuple[bool, str]]] = defaultdict(list)
        for work_id, code, primary in cursor.fetchall():
            topics[work_id].append((not primary, code))
    names_of_work: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        names_of_work[row[1]].append((row[2], row[3]))
    coauthor_works: Counter[str] = Counter()
    for names in names_of_work.values():
        coauthor_works.update({block_key(n) for _, n in names})
    mentions, record_of, source_of = [], {}, {}
    for aid, work_id, position, name, affiliation, author_id, source, title, abstract, year in rows:
        if block_keys is not None and block_key(name) not in block_keys:
            continue
        mentions.append(
            Mention(
                key=aid,
                work=work_id,
                name=name,
                affiliation=affiliation or "",
                coauthors=tuple(n for p, n in names_of_work[work_id] if p != position),
                categories=tuple(code for _, code in sorted(topics.get(work_id, []))),
                year=year,
                text=f"{title} {abstract}",
            )
        )
        record_of[aid] = author_id
        source_of[aid] = source
    return mentions, record_of, source_of, coauthor_works


def _fixed_records(record_ids: set[int], source_of: dict, record_of: dict) -> set[int]:
    fixed = {record_of[a] for a, s in source_of.items() if s != AuthorshipSource.ARXIV}
    fixed |= set(
        Author.objects.filter(pk__in=record_ids)
        .filter(Q(claimed_by__isnull=False) | Q(receives_imports=False))
        .values_list("pk", flat=True)
    )
    by_people = CurationEvent.objects.filter(actor__isnull=False).filter(
        Q(author_id__in=record_ids)
        | Q(target_type="author", target_id__in=[str(r) for r in record_ids])
    )
    for author_id, target_id in by_people.values_list("author_id", "target_id"):
        if author_id:
            fixed.add(author_id)
        if target_id.isdigit() and int(target_id) in record_ids:
            fixed.add(int(target_id))
    return fixed


def _separated_by_curators(record_ids: set[int]) -> set[frozenset[int]]:
    """Pairs of records a curator took apart (an undone merge): never proposed together again."""
    pairs = set()
    for target_id, before in CurationEvent.objects.filter(
        action="unmerge", target_type="author", target_id__in=[str(r) for r in record_ids]
    ).values_list("target_id", "before"):
        other = (before or {}).get("merged_into")
        if other:
            pairs.add(frozenset((int(target_id), int(other))))
    return pairs


def resolve_identities(*, names: list[str] | None = None) -> PassResult:
    """One pass of the engine over the blocks of ``names`` (printed names), or over everything."""
    started = time.perf_counter()
    result = PassResult()
    block_keys = {block_key(n) for n in names} if names is not None else None
    mentions, record_of, source_of, coauthor_works = _load(block_keys)
    result.authorships = len(mentions)
    if not mentions:
        return result
    records = set(record_of.values())
    fixed = _fixed_records(records, source_of, record_of)
    separated = _separated_by_curators(records)
    by_record: dict[int, list[int]] = defaultdict(list)
    for aid, rid in record_of.items():
        by_record[rid].append(aid)
    fixed_ids = sorted(fixed & set(by_record))
    corpus = Corpus(mentions, coauthor_works=dict(coauthor_works))
    result.blocks = len(corpus.blocks)
    resolution = resolve(
        corpus,
        default_model(),
        groups=[by_record[r] for r in fixed_ids],
        locked=[True] * len(fixed_ids),
    )
    size = {r: len(a) for r, a in by_record.items()}
    plan = plan_merges(corpus, resolution, record_of, size, fixed, separated)
    index_of = {m.key: k for k, m in enumerate(corpus.mentions)}
    for survivor, others in plan:
        movable = [r for r in others if r not in fixed]
        if not movable:
            continue
        kind = IdentityDecision.Kind.PROPOSAL if survivor in fixed else IdentityDecision.Kind.MERGE
        members = [index_of[a] for r in [survivor, *movable] for a in by_record[r]]
        evidence = cluster_evidence(corpus, members)
        evidence["confidence"] = round(plan[(survivor, tuple(others))], 3)
        evidence["records"] = {str(r): size[r] for r in [survivor, *movable]}
        reason = reason_text(evidence)
        with transaction.atomic():
            if kind == IdentityDecision.Kind.PROPOSAL:
                if IdentityDecision.objects.filter(
                    kind=kind, author_id=survivor, records=[survivor, *movable]
                ).exists():
                    continue  # proposed before: a second pass adds nothing
                result.proposals += 1
            else:
                _merge(
                    kept_id=survivor, merged_ids=movable, actor=None,
                    note=f"identity engine: {reason}", keep_sources=True,
                )  # fmt: skip
                authors_changed_on_commit([survivor, *movable])
                result.merged += len(movable)
            decision = IdentityDecision.objects.create(
                kind=kind,
                author_id=survivor,
                records=[survivor, *movable],
                reason=reason,
                evidence=evidence,
                confidence=evidence["confidence"],
            )
            result.decisions.append(decision.pk)
    result.seconds = time.perf_counter() - started
    logger.info(
        "identity pass: %s authorships, %s merged, %s proposals, %.1f s",
        result.authorships, result.merged, result.proposals, result.seconds,
    )  # fmt: skip
    return result
