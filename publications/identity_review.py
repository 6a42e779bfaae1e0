"""What people make of the identity engine's decisions (publications/identity_service.py).

- **Owners** see the engine's open proposals that name their record ("Is this also you?" on
  their edit page): they take them (the other records are merged into theirs through the
  curation merge, so follows, claims and history move and the other URLs redirect 301) or say
  "not me" (stored: the engine never proposes that pair again). When the engine finds several
  people on their record, it moves nothing and asks "Are all these works yours?": the owner
  moves each other person's works to a record of their own with one click, or says the rest is
  theirs (stored: that record is not proposed for a split again).
- **Curators** get one queue of uncertain cases (open proposals and merges the engine made with
  low confidence), biggest first: accept (merge the proposal; keep the merge) or reject (stored;
  a merge is undone through the curation undo).
- **Splits.** A record that turned out to hold several people keeps its address: its page
  links the name page listing everyone published under the name, and its followers are told
  on their following page (profiles/split_notices.py) and choose whom to follow (nobody is
  moved silently).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from publications.curation import (
    CurationError,
    _merge,
    authors_changed_on_commit,
    last_merge_event,
    merge_authors,
    refresh_counts,
    require_curator_actor,
    split_author,
    split_off,
    unmerge_author,
)
from publications.merge_participants import merge_participants
from publications.models import (
    Author,
    Authorship,
    AuthorshipSource,
    CurationEvent,
    IdentityDecision,
    IdentityReview,
    WorkTopic,
)
from publications.permissions import require_owner

# Merges the engine made below this confidence wait in the curators' queue (the engine merges
# from 0.8 up, publications/identity/records.py).
LOW_CONFIDENCE = 0.9


# The curators' queue: open proposals (to merge or to split) and low-confidence merges and
# splits not reviewed yet.
UNCERTAIN = Q(review="") & (
    Q(kind__in=[IdentityDecision.Kind.PROPOSAL, IdentityDecision.Kind.SPLIT_PROPOSAL])
    | Q(
        kind__in=[
            IdentityDecision.Kind.MERGE,
            IdentityDecision.Kind.SPLIT,
            IdentityDecision.Kind.MOVE,
        ],
        confidence__lt=LOW_CONFIDENCE,
    )
)


def rejected_pairs(record_ids: set[int]) -> set[frozenset[int]]:
    """Pairs of records people said are not one person: the engine never proposes them again."""
    pairs = set()
    rows = IdentityDecision.objects.filter(
        review=IdentityReview.REJECTED, records__overlap=sorted(record_ids)
    ).values_list("records", flat=True)
    for records in rows:
        survivor, *others = records
        pairs |= {frozenset((survivor, other)) for other in others}
    return pairs


# ---------------------------------------------------------------------------------------------
# The owner: "Is this also you?"


@dataclass
class ProposedRecord:
    author: Author
    works: list[Any]
    claimed_by_other: bool


@dataclass
class OwnerProposal:
    decision: IdentityDecision
    records: list[ProposedRecord] = field(default_factory=list)


def _verified(user: Any) -> None:
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        raise ValidationError(
            "Verify your e-mail address first: follow the link we sent you when you signed up."
        )


def open_proposals_for(*, author: Author, works_limit: int = 10) -> list[OwnerProposal]:
    """The engine's open proposals that name this record as the one to keep, with the other
    records still live (and their newest works)."""
    out = []
    decisions = IdentityDecision.objects.filter(
        kind=IdentityDecision.Kind.PROPOSAL, author=author, review=""
    ).order_by("-created_at", "-id")
    for decision in decisions:
        others = Author.objects.filter(pk__in=decision.records[1:], merged_into=None).order_by(
            "-works_count", "pk"
        )
        proposal = OwnerProposal(decision=decision)
        for other in others:
            works = [
                a.work
                for a in Authorship.objects.filter(author=other, work__hidden=False)
                .select_related("work")
                .order_by("-work__first_submitted")[:works_limit]
            ]
            proposal.records.append(
                ProposedRecord(
                    author=other,
                    works=works,
                    claimed_by_other=bool(
                        other.claimed_by_id and other.claimed_by_id != author.claimed_by_id
                    ),
                )
            )
        if proposal.records:
            out.append(proposal)
    return out


def _owner_decision(
    *, user: Any, author: Author, decision_id: int, kind: str = IdentityDecision.Kind.PROPOSAL
) -> IdentityDecision:
    """The open proposal of this ``kind`` naming the owner's record, locked; only its owner
    with a verified e-mail address may answer it."""
    require_owner(user, author)
    _verified(user)
    decision = (
        IdentityDecision.objects.select_for_update()
        .filter(pk=decision_id, kind=kind, author=author)
        .first()
    )
    if decision is None or decision.records[0] != author.pk:
        raise ValidationError("There is no such proposal for this record.")
    if decision.review:
        raise ValidationError("This proposal was answered already.")
    return decision


def _close(decision: IdentityDecision, review: str, user: Any) -> None:
    decision.review = review
    decision.reviewed_by = user
    decision.reviewed_at = timezone.now()
    decision.save(update_fields=["review", "reviewed_by", "reviewed_at"])


@transaction.atomic
def owner_take_proposal(*, user: Any, author: Author, decision_id: int) -> list[Author]:
    """The owner takes the proposed records: they are merged into the owner's record (the
    curation merge: follows, claims and history move, the URLs redirect). A record someone else
    claimed is never taken this way: a curator decides."""
    decision = _owner_decision(user=user, author=author, decision_id=decision_id)
    others = list(
        Author.objects.select_for_update().filter(pk__in=decision.records[1:], merged_into=None)
    )
    if not others:
        raise ValidationError("These records were merged or removed since: nothing to take.")
    for other in others:
        if other.claimed_by_id and other.claimed_by_id != user.pk:
            raise ValidationError(
                f"{other.display_name} ({other.slug}) is claimed by someone else: "
                "ask the curators to look at it."
            )
        if Authorship.objects.filter(author=other).exclude(
            source=AuthorshipSource.ARXIV
        ).exists() or (not other.receives_imports):
            raise ValidationError(
                f"A curator or an owner changed {other.slug} since the proposal: "
                "ask the curators to merge it."
            )
    try:
        _merge(
            kept_id=author.pk,
            merged_ids=[o.pk for o in others],
            actor=user,
            note=f"the owner took the identity engine's proposal: {decision.reason}",
        )
    except CurationError as exc:
        raise ValidationError(str(exc)) from exc
    _close(decision, IdentityReview.ACCEPTED, user)
    return others


@transaction.atomic
def owner_dismiss_proposal(*, user: Any, author: Author, decision_id: int) -> None:
    """ "Not me": stored, and the engine never proposes these records together again."""
    decision = _owner_decision(user=user, author=author, decision_id=decision_id)
    _close(decision, IdentityReview.REJECTED, user)


# ---------------------------------------------------------------------------------------------
# The owner: "Are all these works yours?" (the engine found several people on a claimed record)


@dataclass
class ProposedPiece:
    """One person the engine found on the owner's record, other than its largest group: the
    works of theirs still on the record (newest first, up to the limit) and why."""

    index: int
    reason: str
    works: list[Any]
    count: int


@dataclass
class OwnerSplitProposal:
    decision: IdentityDecision
    largest: str  # why the engine thinks the largest group is one person
    pieces: list[ProposedPiece] = field(default_factory=list)


def _moved_pieces(decision: IdentityDecision) -> list[int]:
    return list(decision.evidence.get("owner_moved", []))


def open_split_proposals_for(*, author: Author, works_limit: int = 10) -> list[OwnerSplitProposal]:
    """The engine's open split proposals on this record (it found several people on a record
    someone owns, so it moved nothing), with each other person's works still on the record."""
    out = []
    decisions = IdentityDecision.objects.filter(
        kind=IdentityDecision.Kind.SPLIT_PROPOSAL, author=author, review=""
    ).order_by("-created_at", "-id")
    for decision in decisions:
        people = decision.evidence.get("people", [])
        proposal = OwnerSplitProposal(
            decision=decision, largest=people[0].get("reason", "") if people else ""
        )
        moved = set(_moved_pieces(decision))
        for index, keys in enumerate(decision.evidence.get("split_off", [])):
            if index in moved:
                continue
            still = Authorship.objects.filter(author=author, pk__in=keys, work__hidden=False)
            count = still.count()
            if not count:
                continue
            works = [
                a.work
                for a in still.select_related("work").order_by("-work__first_submitted")[
                    :works_limit
                ]
            ]
            reason = people[index + 1].get("reason", "") if index + 1 < len(people) else ""
            proposal.pieces.append(
                ProposedPiece(index=index, reason=reason, works=works, count=count)
            )
        if proposal.pieces:
            out.append(proposal)
    return out


@transaction.atomic
def owner_move_piece(*, user: Any, author: Author, decision_id: int, piece: int) -> Author:
    """The owner says one person the engine found on their record is someone else: that
    person's works still on the record move to a new record of their own (the split: its
    followers are told, the move is recorded as the owner's, and no later pass puts them back).
    The proposal closes once no other person is left on the record."""
    decision = _owner_decision(
        user=user, author=author, decision_id=decision_id, kind=IdentityDecision.Kind.SPLIT_PROPOSAL
    )
    pieces = decision.evidence.get("split_off", [])
    if not (0 <= piece < len(pieces)) or piece in _moved_pieces(decision):
        raise ValidationError("There is no such group of works in this proposal.")
    locked = Author.objects.select_for_update().get(pk=author.pk)
    keys = list(
        Authorship.objects.filter(author=locked, pk__in=pieces[piece]).values_list("pk", flat=True)
    )
    if not keys:
        raise ValidationError("These works left your record since the proposal: nothing to move.")
    if not Authorship.objects.filter(author=locked).exclude(pk__in=keys).exists():
        raise ValidationError("Every work of the record was chosen: at least one stays yours.")
    new, _ = split_off(
        author=locked,
        authorships=keys,
        actor=user,
        note=f"the owner said these works are someone else's: {decision.reason}",
        moved_source=AuthorshipSource.CLAIM,
    )
    moved = [*_moved_pieces(decision), piece]
    decision.evidence = {**decision.evidence, "owner_moved": moved}
    decision.save(update_fields=["evidence"])
    if len(moved) == len(pieces):
        _close(decision, IdentityReview.ACCEPTED, user)
    return new


@transaction.atomic
def owner_keep_works(*, user: Any, author: Author, decision_id: int) -> None:
    """ "All the works left are mine": the rest of the proposal is rejected (the groups the
    owner moved stay moved), and the engine proposes no other split of this record."""
    decision = _owner_decision(
        user=user, author=author, decision_id=decision_id, kind=IdentityDecision.Kind.SPLIT_PROPOSAL
    )
    _close(decision, IdentityReview.REJECTED, user)


# ---------------------------------------------------------------------------------------------
# Curators


def has_stake(*, decision: IdentityDecision, user: Any) -> bool:
    """Whether the user owns one of the decision's records (or the record it went into) or has
    a pending claim on one: the same rule as claims, a curator never decides their own."""
    records = list(decision.records)
    rows = Author.objects.filter(pk__in=records).values_list("claimed_by_id", "merged_into_id")
    involved = set(records) | {into for _, into in rows if into}
    owners = set(Author.objects.filter(pk__in=involved).values_list("claimed_by_id", flat=True))
    if user.pk in owners:
        return True
    return any(
        user.pk in participant.claimants(author_ids=sorted(involved))
        for participant in merge_participants()
    )


def _require_no_stake(decision: IdentityDecision, actor: Any) -> None:
    if has_stake(decision=decision, user=actor):
        raise PermissionDenied(
            "You own or claim one of these records: another curator decides this one."
        )


@transaction.atomic
def curator_accept(*, decision: IdentityDecision, actor: Any) -> str:
    """A proposal: merge its live records into the first. A merge: keep it (reviewed). A split
    proposal: split the record as the engine proposed (the curator's split). A split: keep it.
    A curator with a stake in the records (owner or claimant) cannot decide."""
    require_curator_actor(actor)
    decision = IdentityDecision.objects.select_for_update().get(pk=decision.pk)
    _require_no_stake(decision, actor)
    if decision.review:
        raise CurationError("This decision was reviewed already.")
    if decision.kind == IdentityDecision.Kind.SPLIT_PROPOSAL:
        done = _accept_split_proposal(decision, actor)
    elif decision.kind == IdentityDecision.Kind.PROPOSAL:
        live = set(
            Author.objects.filter(pk__in=decision.records, merged_into=None).values_list(
                "pk", flat=True
            )
        )
        survivor = decision.records[0]
        others = [r for r in decision.records[1:] if r in live]
        if survivor not in live or not others:
            raise CurationError("The records were merged or removed since: nothing to merge.")
        merge_authors(
            kept_id=survivor,
            merged_ids=others,
            actor=actor,
            note=f"accepted the identity engine's proposal: {decision.reason}",
        )
        done = f"merged {len(others)} record(s) into record {survivor}"
    elif decision.kind == IdentityDecision.Kind.SPLIT:
        done = "kept the engine's split"
    elif decision.kind == IdentityDecision.Kind.MOVE:
        done = "kept the works where the engine moved them"
    else:
        done = "kept the engine's merge"
    _close(decision, IdentityReview.ACCEPTED, actor)
    return done


def _accept_split_proposal(decision: IdentityDecision, actor: Any) -> str:
    """Each other person the engine found on the record gets a record of their own (the
    curator's split), with the works of theirs still on the record."""
    record = decision.records[0]
    made = 0
    for keys in decision.evidence.get("split_off", []):
        works = list(
            Authorship.objects.filter(author_id=record, pk__in=keys).values_list(
                "work_id", flat=True
            )
        )
        if not works:
            continue
        split_author(
            author_id=record,
            work_ids=works,
            actor=actor,
            note=f"accepted the identity engine's proposal: {decision.reason}",
        )
        made += 1
    if not made:
        raise CurationError("The works moved since the proposal: nothing to split.")
    return f"split {made} record(s) off record {record}"


@transaction.atomic
def curator_reject(*, decision: IdentityDecision, actor: Any) -> str:
    """A proposal: stored, never proposed again. A merge: undone (the curation undo, which the
    engine respects), for every record it merged that is still merged by it. A split: undone,
    the records it made are merged back into the record (the curator's merge: their slugs
    redirect, and the engine never divides the record again). A curator with a stake in the records
    (owner or claimant) cannot decide."""
    require_curator_actor(actor)
    decision = IdentityDecision.objects.select_for_update().get(pk=decision.pk)
    _require_no_stake(decision, actor)
    if decision.review:
        raise CurationError("This decision was reviewed already.")
    undone = 0
    if decision.kind == IdentityDecision.Kind.SPLIT:
        record, *made = decision.records
        live = list(
            Author.objects.filter(pk__in=made, merged_into=None).values_list("pk", flat=True)
        )
        if live and Author.objects.filter(pk=record, merged_into=None).exists():
            merge_authors(
                kept_id=record,
                merged_ids=live,
                actor=actor,
                note=f"rejected the identity engine's split: {decision.reason}",
            )
            undone = len(live)
    if decision.kind == IdentityDecision.Kind.MOVE:
        undone = _undo_move(decision, actor)
    if decision.kind == IdentityDecision.Kind.MERGE:
        for record_id in decision.records[1:]:
            event = last_merge_event(author_id=record_id)
            if event is not None and event.actor_id is None:
                unmerge_author(
                    author_id=record_id,
                    actor=actor,
                    note=f"rejected the identity engine's merge: {decision.reason}",
                )
                undone += 1
    _close(decision, IdentityReview.REJECTED, actor)
    if decision.kind == IdentityDecision.Kind.MOVE:
        return f"moved {undone} work(s) back" if undone else "rejected"
    return f"undid {undone} merge(s)" if undone else "rejected"


def _undo_move(decision: IdentityDecision, actor: Any) -> int:
    """The works the engine moved go back to the record they came from, as the curator's
    decision (the record is fixed from then on: no pass moves them again; the two records are
    kept apart). Works moved on since (by a merge, a split or a person) stay where they are."""
    home, origin = decision.records[0], decision.records[1]
    records = Author.objects.select_for_update().filter(pk__in=[home, origin], merged_into=None)
    if len(records) != 2:
        return 0
    moving = Authorship.objects.filter(author_id=home, pk__in=decision.evidence.get("moved", []))
    back = list(moving.values_list("pk", "work__arxiv_id"))
    if not back:
        return 0
    moving.update(author_id=origin, source=AuthorshipSource.CURATOR)
    CurationEvent.objects.create(
        actor=actor,
        action="identity_move_undone",
        target_type="author",
        target_id=str(origin),
        author_id=home,
        before={"author": home, "authorships": [pk for pk, _ in back]},
        after={"author": origin, "works": sorted(w for _, w in back)},
        note=f"rejected the identity engine's move: {decision.reason}",
    )
    refresh_counts([home, origin])
    authors_changed_on_commit([home, origin])
    return len(back)


# ---------------------------------------------------------------------------------------------
# Splits: the name page and the followers


def split_family(author: Author) -> list[Author]:
    """The live records that held works of this one by curators' or the engine's splits
    (both ways, repeated splits included), this one first, then biggest first."""
    seen = {author.pk}
    frontier = {author.pk}
    while frontier:
        events = CurationEvent.objects.filter(action="split").filter(
            Q(author_id__in=frontier) | Q(target_id__in=[str(r) for r in frontier])
        )
        found = set()
        for author_id, target_id in events.values_list("author_id", "target_id"):
            for r in (author_id, int(target_id) if target_id.isdigit() else None):
                if r is not None and r not in seen:
                    found.add(r)
        seen |= found
        frontier = found
    if len(seen) == 1:
        return []
    live = {}
    for record in Author.objects.filter(pk__in=seen).select_related("merged_into"):
        target = record.merged_into or record
        if target.merged_into_id is None and not target.hidden:
            live[target.pk] = target
    return sorted(live.values(), key=lambda a: (a.pk != author.pk, -a.works_count, a.pk))


@dataclass
class NamePerson:
    author: Author
    works: list[Any]
    topics: list[str]


def name_page(author: Author, *, works_limit: int = 5) -> list[NamePerson]:
    """Everyone published under the record's name after its splits: works and topics each."""
    people = []
    for record in split_family(author):
        works = [
            a.work
            for a in Authorship.objects.filter(author=record, work__hidden=False)
            .select_related("work")
            .order_by("-work__first_submitted")[:works_limit]
        ]
        topics = list(
            WorkTopic.objects.filter(work__authorships__author=record, work__hidden=False)
            .values("topic__name")
            .annotate(n=Count("work", distinct=True))
            .order_by("-n", "topic__name")
            .values_list("topic__name", flat=True)[:5]
        )
        people.append(NamePerson(author=record, works=works, topics=topics))
    return people
