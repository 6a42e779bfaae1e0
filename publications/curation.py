"""Curation of author records: merge (with a preview), undo a merge, split. Here in publications
because they move Authorships between Authors (publications → profiles); hiding and re-importing
works, recomputing and flagging records are in publications/curation_works.py.

Every service checks that the actor may curate, runs in one transaction, writes a CurationEvent
with enough in ``before``/``after`` to see (and for a merge, undo) exactly what changed, and sends
``author_records_changed`` after commit so scores are recomputed. Moved authorships get
``source="curator"``: the loader never changes a curated attribution on a later import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q

from profiles.models import Claim, ClaimState, CollaborationInvitation, Follow, InvitationState
from publications import signals
from publications.loader import MERGE_LOCK_KEY
from publications.models import (
    Author,
    Authorship,
    AuthorshipSource,
    CurationEvent,
    MayCombineSeveralDecision,
    SplitNotice,
    Work,
)
from publications.names import split_slug
from publications.permissions import require_curator


class CurationError(Exception):
    """The curation action cannot be done as asked; the message says why. Nothing was changed."""


def require_curator_actor(actor: Any) -> None:
    """Curators (staff in the curators group) and superusers; the same rule as claim reviews."""
    if actor is None:
        raise PermissionDenied("Only curators can do this.")
    require_curator(actor)


def authors_changed_on_commit(author_ids: list[int]) -> None:
    signals.author_records_changed_on_commit(author_ids, authorships_changed=True, sender=Author)


def refresh_counts(author_ids: list[int]) -> None:
    """Have the stored works and followers counters of some records recounted at once, in this
    transaction, by graph (their one writer); the recompute does the rest (scores) after commit
    from ``author_records_changed``."""
    signals.counters_stale.send(
        sender=Author, author_ids=list(author_ids), works=True, followers=True
    )


# ---------------------------------------------------------------------------------------------
# Merge


@dataclass
class MergePreview:
    kept: Author
    merged: list[Author]
    works: list[Work] = field(default_factory=list)  # works whose authorships will move
    authorships: int = 0
    shared_works: int = 0  # works that already list the kept record too
    follows_moving: int = 0
    follows_deduplicated: int = 0  # users following both: they keep one follow
    claims_moving: list[Claim] = field(default_factory=list)
    claims_withdrawn: list[Claim] = field(default_factory=list)  # same user pending on both
    # The owner's approved claims on merged records when the owner already has the kept record
    # (an owner merging two of their records): they stay, approved, on the merged record.
    claims_staying: list[Claim] = field(default_factory=list)
    invitations_moving: int = 0
    conflicts: list[str] = field(default_factory=list)

    @property
    def can_merge(self) -> bool:
        return not self.conflicts


def merge_preview(*, kept_id: int, merged_ids: list[int], works_limit: int = 200) -> MergePreview:
    """What merging ``merged_ids`` into ``kept_id`` would move, and what stops it. 6 queries."""
    merged_ids = sorted(set(merged_ids) - {kept_id})
    records = {
        a.pk: a
        for a in Author.objects.select_related("merged_into", "claimed_by").filter(
            pk__in=[kept_id, *merged_ids]
        )
    }
    if kept_id not in records:
        raise CurationError(f"No author record with id {kept_id}.")
    missing = [i for i in merged_ids if i not in records]
    if missing:
        raise CurationError(f"No author record with id {', '.join(map(str, missing))}.")
    if not merged_ids:
        raise CurationError("Choose at least one record to merge into the kept one.")
    preview = MergePreview(kept=records[kept_id], merged=[records[i] for i in merged_ids])
    for record in [preview.kept, *preview.merged]:
        if record.merged_into_id:
            preview.conflicts.append(
                f"{record.display_name} ({record.slug}) was already merged into "
                f"{cast(Author, record.merged_into).slug}; pick that record instead."
            )

    moving = Authorship.objects.filter(author_id__in=merged_ids)
    preview.authorships = moving.count()
    kept_work_ids = Authorship.objects.filter(author_id=kept_id).values("work_id")
    preview.shared_works = (
        moving.filter(work_id__in=kept_work_ids).values("work_id").distinct().count()
    )
    preview.works = list(
        Work.objects.filter(authorships__author_id__in=merged_ids)
        .distinct()
        .order_by("-first_submitted", "-id")[:works_limit]
    )
    follows = list(
        Follow.objects.filter(author_id__in=[kept_id, *merged_ids]).values_list(
            "user_id", "author_id"
        )
    )
    kept_followers = {u for u, a in follows if a == kept_id}
    seen: set[int] = set(kept_followers)
    for user_id, author_id in follows:
        if author_id == kept_id:
            continue
        if user_id in seen:
            preview.follows_deduplicated += 1
        else:
            seen.add(user_id)
            preview.follows_moving += 1

    claims = list(
        Claim.objects.select_related("user", "author")
        .filter(author_id__in=[kept_id, *merged_ids])
        .exclude(state__in=[ClaimState.REJECTED, ClaimState.WITHDRAWN])
    )
    approved = [c for c in claims if c.state == ClaimState.APPROVED]
    if len({c.user_id for c in approved}) > 1:
        who = "; ".join(f"{c.user} on {c.author.slug}" for c in approved)
        preview.conflicts.append(
            f"Two approved claims ({who}): a record can have one owner. Reject or withdraw one "
            "claim first."
        )
    elif len(approved) > 1:
        # One owner of several of the records: one approved claim ends on the kept record (its
        # own, or the first merged one), the others stay on their merged records.
        first = next((c for c in approved if c.author_id == kept_id), None) or next(
            c for c in sorted(approved, key=lambda c: merged_ids.index(c.author_id))
        )
        preview.claims_staying = [c for c in approved if c is not first]
    claimed_by = {r.claimed_by_id for r in records.values() if r.claimed_by_id}
    if len(claimed_by) > 1 and len(approved) <= 1:
        preview.conflicts.append("The records are claimed by different people.")
    preview.invitations_moving = CollaborationInvitation.objects.filter(
        author_id__in=merged_ids
    ).count()
    # One pending claim per user and record: a user's second pending claim is withdrawn.
    pending_users = {c.user_id for c in claims if c.author_id == kept_id and c.state == "pending"}
    staying = {c.pk for c in preview.claims_staying}
    order = {author_id: n for n, author_id in enumerate([kept_id, *merged_ids])}
    for claim in sorted(claims, key=lambda c: (order[c.author_id], c.pk)):
        if claim.author_id == kept_id or claim.pk in staying:
            continue
        if claim.state == ClaimState.PENDING:
            if claim.user_id in pending_users:
                preview.claims_withdrawn.append(claim)
                continue
            pending_users.add(claim.user_id)
        preview.claims_moving.append(claim)
    return preview


@dataclass(slots=True)
class MergeRecord:
    """What moved when one record was merged into another: written as the merge event's
    ``before`` and read back to undo the merge (and by partial undos of its siblings).

    Version 1 is the format merges have always stored; events stored before the ``version`` key
    was written are version 1 too."""

    VERSION: ClassVar[int] = 1

    # (authorship id, its source before the merge)
    authorships: list[tuple[int, str]] = field(default_factory=list)
    follows_moved: list[int] = field(default_factory=list)
    # users who followed both records: their follow of the merged record was deleted
    follows_removed_users: list[int] = field(default_factory=list)
    claims_moved: list[int] = field(default_factory=list)
    claims_withdrawn: list[int] = field(default_factory=list)  # duplicates of a kept claim
    claims_staying: list[int] = field(default_factory=list)
    invitations_moved: list[int] = field(default_factory=list)
    repointed: list[int] = field(default_factory=list)  # records that were merged into it
    merged_into: int | None = None  # the record's merged_into before the merge
    # the kept record's owner and level before the merge
    kept_claimed_by: int | None = None
    kept_verification_level: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.VERSION,
            "merged_into": self.merged_into,
            "authorships": [[pk, source] for pk, source in self.authorships],
            "follows_moved": self.follows_moved,
            "follows_removed_users": self.follows_removed_users,
            "claims_moved": self.claims_moved,
            "claims_withdrawn": self.claims_withdrawn,
            "claims_staying": self.claims_staying,
            "invitations_moved": self.invitations_moved,
            "repointed": self.repointed,
            "kept": {
                "claimed_by": self.kept_claimed_by,
                "verification_level": self.kept_verification_level,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MergeRecord:
        version = data.get("version", 1)
        if version != cls.VERSION:
            raise CurationError(f"This merge was recorded in an unknown format ({version}).")
        kept = data.get("kept") or {}
        return cls(
            authorships=[(int(pk), source) for pk, source in data.get("authorships", [])],
            follows_moved=list(data.get("follows_moved", [])),
            follows_removed_users=list(data.get("follows_removed_users", [])),
            claims_moved=list(data.get("claims_moved", [])),
            claims_withdrawn=list(data.get("claims_withdrawn", [])),
            claims_staying=list(data.get("claims_staying", [])),
            invitations_moved=list(data.get("invitations_moved", [])),
            repointed=list(data.get("repointed", [])),
            merged_into=data.get("merged_into"),
            kept_claimed_by=kept.get("claimed_by"),
            kept_verification_level=kept.get("verification_level", 1),
        )


@transaction.atomic
def merge_authors(
    *, kept_id: int, merged_ids: list[int], actor: Any, note: str = ""
) -> list[CurationEvent]:
    """Merge records into ``kept_id``: authorships, follows and claims move; each merged record
    points to the kept one (its URL redirects), records merged into it are repointed. One
    CurationEvent per merged record. Running it twice is refused (the records are merged)."""
    require_curator_actor(actor)
    return _merge(kept_id=kept_id, merged_ids=merged_ids, actor=actor, note=note)


def _merge(
    *, kept_id: int, merged_ids: list[int], actor: Any, note: str, keep_sources: bool = False
) -> list[CurationEvent]:
    """The merge itself; callers check who may do it. ``keep_sources`` (the identity engine)
    leaves the moved attributions' source as it was instead of marking them curated."""
    # Wait for import batches writing authorships now; later ones see this merge (loader).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK_KEY])
    # Lock every involved record (in id order, so two curators cannot deadlock).
    list(Author.objects.select_for_update().filter(pk__in=[kept_id, *merged_ids]).order_by("pk"))
    preview = merge_preview(kept_id=kept_id, merged_ids=merged_ids)
    if preview.conflicts:
        raise CurationError(" ".join(preview.conflicts))
    kept = preview.kept
    kept_claimed_by, kept_level = kept.claimed_by_id, kept.verification_level
    events = []
    withdrawn_ids = {c.pk for c in preview.claims_withdrawn}
    staying_ids = {c.pk for c in preview.claims_staying}
    for record in preview.merged:
        moved = list(Authorship.objects.filter(author=record).values_list("id", "source"))
        if keep_sources:
            Authorship.objects.filter(author=record).update(author=kept)
        else:
            Authorship.objects.filter(author=record).update(
                author=kept, source=AuthorshipSource.CURATOR
            )
        kept_users = Follow.objects.filter(author=kept).values("user_id")
        duplicate = Follow.objects.filter(author=record, user_id__in=kept_users)
        removed = list(duplicate.values_list("user_id", flat=True))
        duplicate.delete()
        follows_moved = list(Follow.objects.filter(author=record).values_list("id", flat=True))
        Follow.objects.filter(pk__in=follows_moved).update(author=kept)

        claims = list(Claim.objects.filter(author=record))
        claims_withdrawn = [c.pk for c in claims if c.pk in withdrawn_ids]
        Claim.objects.filter(pk__in=claims_withdrawn).update(state=ClaimState.WITHDRAWN)
        claims_staying = [c.pk for c in claims if c.pk in staying_ids]
        claims_moved = [c.pk for c in claims if c.pk not in withdrawn_ids | staying_ids]
        Claim.objects.filter(pk__in=claims_moved).update(author=kept)
        approved = next((c for c in claims if c.state == ClaimState.APPROVED), None)
        owner = approved.user_id if approved else record.claimed_by_id
        if owner and not kept.claimed_by_id:
            kept.claimed_by_id = owner
            kept.verification_level = max(kept.verification_level, record.verification_level)

        # Invitations follow the record, except a second open one from the same sender.
        open_senders = CollaborationInvitation.objects.filter(
            author=kept, state=InvitationState.PENDING
        ).values("sender_id")
        invitations_moved = list(
            CollaborationInvitation.objects.filter(author=record)
            .exclude(state=InvitationState.PENDING, sender_id__in=open_senders)
            .values_list("id", flat=True)
        )
        CollaborationInvitation.objects.filter(pk__in=invitations_moved).update(author=kept)

        repointed = list(Author.objects.filter(merged_into=record).values_list("id", flat=True))
        Author.objects.filter(pk__in=repointed).update(merged_into=kept)
        Author.objects.filter(pk=record.pk).update(merged_into=kept)
        events.append(
            CurationEvent(
                actor=actor,
                action="merge",
                target_type="author",
                target_id=str(record.pk),
                author=kept,
                before=MergeRecord(
                    authorships=moved,
                    follows_moved=follows_moved,
                    follows_removed_users=removed,
                    claims_moved=claims_moved,
                    claims_withdrawn=claims_withdrawn,
                    claims_staying=claims_staying,
                    invitations_moved=invitations_moved,
                    repointed=repointed,
                    kept_claimed_by=kept_claimed_by,
                    kept_verification_level=kept_level,
                ).to_json(),
                after={
                    "merged_into": kept.pk,
                    "kept_slug": kept.slug,
                    "merged_slug": record.slug,
                    "claimed_by": kept.claimed_by_id,
                    "verification_level": kept.verification_level,
                },
                note=note,
            )
        )
    Author.objects.filter(pk=kept.pk).update(
        claimed_by=kept.claimed_by_id, verification_level=kept.verification_level
    )
    CurationEvent.objects.bulk_create(events)
    ids = [kept.pk, *(r.pk for r in preview.merged)]
    refresh_counts(ids)
    authors_changed_on_commit(ids)
    return events


def last_merge_event(*, author_id: int) -> CurationEvent | None:
    """The merge that the record's current ``merged_into`` comes from, unless it was undone."""
    event = (
        CurationEvent.objects.filter(
            target_type="author", target_id=str(author_id), action__in=["merge", "unmerge"]
        )
        .order_by("-created_at", "-id")
        .first()
    )
    return event if event is not None and event.action == "merge" else None


@transaction.atomic
def unmerge_author(*, author_id: int, actor: Any, note: str = "") -> CurationEvent:
    """Undo the merge of one record: what moved with it moves back (wherever the kept record went
    since), duplicate follows and withdrawn claims come back, repointed records point to it
    again. Running it twice is refused (the record is no longer merged)."""
    require_curator_actor(actor)
    record = Author.objects.select_for_update().filter(pk=author_id).first()
    if record is None:
        raise CurationError(f"No author record with id {author_id}.")
    if not record.merged_into_id:
        raise CurationError(f"{record.slug} is not merged into another record.")
    merge = last_merge_event(author_id=record.pk)
    if merge is None:
        raise CurationError(f"No curation event records how {record.slug} was merged.")
    current = record.merged_into_id  # the kept record, or where it was merged since
    Author.objects.select_for_update().filter(pk=current).first()
    before = MergeRecord.from_json(merge.before)

    sources = dict(before.authorships)
    back = list(
        Authorship.objects.filter(pk__in=sources, author_id=current).values_list("id", flat=True)
    )
    for source in set(sources.values()):
        Authorship.objects.filter(pk__in=[pk for pk in back if sources[pk] == source]).update(
            author=record, source=source
        )
    follows_back = list(
        Follow.objects.filter(pk__in=before.follows_moved, author_id=current).values_list(
            "id", "user_id"
        )
    )
    Follow.objects.filter(pk__in=[f for f, _ in follows_back]).update(author=record)
    # Follows an earlier partial undo kept on the kept record on this record's behalf come back
    # first (they are this record's follows), then the duplicates removed at the merge.
    Follow.objects.filter(
        pk__in=_kept_for(record.pk, merge, "follows_kept_for"), author_id=current
    ).update(author=record)
    Follow.objects.bulk_create(
        [Follow(user_id=u, author=record) for u in before.follows_removed_users],
        ignore_conflicts=True,
    )
    claims_back = list(
        Claim.objects.filter(pk__in=before.claims_moved, author_id=current).values_list(
            "id", "state", "user_id"
        )
    )
    Claim.objects.filter(pk__in=[c[0] for c in claims_back]).update(author=record)
    # Withdrawn at the merge as duplicates; pending on the kept record if a partial undo of
    # another record gave them back there.
    Claim.objects.filter(pk__in=before.claims_withdrawn).filter(
        Q(state=ClaimState.WITHDRAWN) | Q(state=ClaimState.PENDING, author_id=current)
    ).update(state=ClaimState.PENDING, author=record)
    CollaborationInvitation.objects.filter(
        pk__in=before.invitations_moved, author_id=current
    ).update(author=record)
    if (
        any(state == ClaimState.APPROVED for _, state, _ in claims_back)
        and current == merge.author_id
    ):
        Author.objects.filter(pk=current).update(
            claimed_by=before.kept_claimed_by,
            verification_level=before.kept_verification_level,
        )
    Author.objects.filter(pk__in=before.repointed, merged_into_id=current).update(
        merged_into=record
    )
    kept_for = _keep_for_records_still_merged(
        record_id=record.pk,
        current=current,
        users_followed_back={u for _, u in follows_back},
        users_pending_back={u for _, state, u in claims_back if state == ClaimState.PENDING},
    )
    Author.objects.filter(pk=record.pk).update(merged_into=before.merged_into)
    event = CurationEvent.objects.create(
        actor=actor,
        action="unmerge",
        target_type="author",
        target_id=str(record.pk),
        author=record,
        before={"merged_into": current},
        after={
            "merged_into": before.merged_into,
            "undoes_event": merge.pk,
            "authorships_back": back,
            "authorships_left": sorted(set(sources) - set(back)),
            "claims_back": [c[0] for c in claims_back],
            **kept_for,
        },
        note=note,
    )
    refresh_counts([record.pk, current])
    authors_changed_on_commit([record.pk, current])
    return event


def _kept_for(record_id: int, merge: CurationEvent, key: str) -> list[int]:
    """Ids that partial undos since ``merge`` kept on the kept record on behalf of this record
    (``key`` of their ``after``). 1 query."""
    events = CurationEvent.objects.filter(
        action="unmerge",
        created_at__gte=merge.created_at,
        **{f"after__{key}__has_key": str(record_id)},
    ).values_list("after", flat=True)
    return [pk for after in events for pk in after[key][str(record_id)]]


def _keep_for_records_still_merged(
    *, record_id: int, current: int, users_followed_back: set[int], users_pending_back: set[int]
) -> dict[str, dict[str, list[int]]]:
    """A partial undo (one record of a merge of several) must leave the kept record as if the
    undone record had never been merged in. A follow or pending claim that moved back with the
    undone record may have stood for a duplicate that another, still merged, record gave up at
    its merge (a person following both): that one is given back to the kept record, and noted
    so that undoing the other record later moves it home. 3 queries."""
    siblings = list(
        Author.objects.filter(merged_into_id=current)
        .exclude(pk=record_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not siblings or not (users_followed_back or users_pending_back):
        return {}
    latest: dict[int, CurationEvent] = {}
    for past in CurationEvent.objects.filter(
        target_type="author",
        target_id__in=[str(pk) for pk in siblings],
        action__in=["merge", "unmerge"],
    ).order_by("created_at", "id"):
        latest[int(past.target_id)] = past
    following = set(
        Follow.objects.filter(author_id=current, user_id__in=users_followed_back).values_list(
            "user_id", flat=True
        )
    )
    pending = set(
        Claim.objects.filter(
            author_id=current, state=ClaimState.PENDING, user_id__in=users_pending_back
        ).values_list("user_id", flat=True)
    )
    follows_kept: dict[str, list[int]] = {}
    claims_kept: dict[str, list[int]] = {}
    for sibling in siblings:
        event = latest.get(sibling)
        if event is None or event.action != "merge":
            continue
        moved = MergeRecord.from_json(event.before)
        for user_id in moved.follows_removed_users:
            if user_id in users_followed_back and user_id not in following:
                follow = Follow.objects.create(user_id=user_id, author_id=current)
                following.add(user_id)
                follows_kept.setdefault(str(sibling), []).append(follow.pk)
        withdrawn = Claim.objects.filter(
            pk__in=moved.claims_withdrawn,
            state=ClaimState.WITHDRAWN,
            user_id__in=users_pending_back - pending,
        ).order_by("pk")
        for claim in withdrawn:
            if claim.user_id in pending:
                continue
            Claim.objects.filter(pk=claim.pk).update(state=ClaimState.PENDING, author_id=current)
            pending.add(claim.user_id)
            claims_kept.setdefault(str(sibling), []).append(claim.pk)
    return {
        **({"follows_kept_for": follows_kept} if follows_kept else {}),
        **({"claims_kept_for": claims_kept} if claims_kept else {}),
    }


# ---------------------------------------------------------------------------------------------
# Split


def _free_split_slug(key: str) -> str:
    n = 2
    taken = set(
        Author.objects.filter(slug__startswith=split_slug(key, 0)[:-1]).values_list(
            "slug", flat=True
        )
    )
    while split_slug(key, n) in taken:
        n += 1
    return split_slug(key, n)


@transaction.atomic
def split_author(
    *, author_id: int, work_ids: list[int], actor: Any, note: str = "", resolved: bool = False
) -> tuple[Author, CurationEvent]:
    """Move the record's authorships on ``work_ids`` to a new record with the same name and its own
    slug (it does not receive imports). Follows and claims stay. ``resolved`` records the
    curator's decision that the record is now one researcher (the flag is cleared for good). Not idempotent: each run makes a new record."""
    require_curator_actor(actor)
    author = Author.objects.select_for_update().filter(pk=author_id).first()
    if author is None:
        raise CurationError(f"No author record with id {author_id}.")
    if author.merged_into_id:
        raise CurationError(f"{author.slug} was merged into another record; split that one.")
    own = set(Authorship.objects.filter(author=author).values_list("work_id", flat=True))
    chosen = set(work_ids)
    if not chosen:
        raise CurationError("Choose the works that belong to the other person.")
    if chosen - own:
        raise CurationError("Some chosen works are not attributed to this record.")
    if chosen == own:
        raise CurationError(
            "Every work was chosen: leave at least one on this record (or edit the record)."
        )
    new = Author.objects.create(
        display_name=author.display_name,
        name_key=author.name_key,
        slug=_free_split_slug(author.name_key),
        receives_imports=False,
    )
    moving = Authorship.objects.filter(author=author, work_id__in=chosen)
    moved = list(moving.values_list("id", "source"))
    arxiv_ids = sorted(Work.objects.filter(pk__in=chosen).values_list("arxiv_id", flat=True))
    moving.update(author=new, source=AuthorshipSource.CURATOR)
    was_flagged = author.shows_may_combine_several
    if resolved:
        # The curator's decision (one researcher now): later recomputes respect it.
        Author.objects.filter(pk=author.pk).update(several_decision=MayCombineSeveralDecision.ONE)
    event = CurationEvent.objects.create(
        actor=actor,
        action="split",
        target_type="author",
        target_id=str(new.pk),
        author=author,
        before={
            "author": author.pk,
            "authorships": [[pk, source] for pk, source in moved],
            "flagged": was_flagged,
            "several_decision": author.several_decision,
        },
        after={
            "new_author": new.pk,
            "new_slug": new.slug,
            "works": arxiv_ids,
            "flagged": was_flagged and not resolved,
            "several_decision": MayCombineSeveralDecision.ONE
            if resolved
            else author.several_decision,
        },
        note=note,
    )
    refresh_counts([author.pk, new.pk])
    authors_changed_on_commit([author.pk, new.pk])
    # Its followers are told, and choose whom to follow (nobody is moved silently).
    notify_followers_of_split(author_id=author.pk)
    return new, event


def notify_followers_of_split(*, author_id: int) -> int:
    """Tell every follower of a record that was split (one open notice each)."""
    users = Follow.objects.filter(author_id=author_id).values_list("user_id", flat=True)
    open_for = set(
        SplitNotice.objects.filter(author_id=author_id, closed_at=None).values_list(
            "user_id", flat=True
        )
    )
    notices = [SplitNotice(user_id=u, author_id=author_id) for u in users if u not in open_for]
    SplitNotice.objects.bulk_create(notices)
    return len(notices)
