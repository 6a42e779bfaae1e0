"""Curation of author records: merge (with a preview), undo a merge, split. Here in publications
because they move Authorships between Authors; what people hang on records (follows, claims,
invitations) moves with them through the merge participants other apps register
(publications/merge_participants.py). Hiding and re-importing works, recomputing and flagging
records are in publications/curation_works.py.

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

from publications import signals
from publications.loader import MERGE_LOCK_KEY
from publications.merge_participants import (
    MergeParticipant,
    MovedBack,
    merge_participants,
    merge_stored,
)
from publications.models import (
    Author,
    Authorship,
    AuthorshipSource,
    CurationEvent,
    MayCombineSeveralDecision,
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
    # Each merge participant's preview (follows, claims, invitations: "profiles"), by its name;
    # handed back to it to move its rows.
    parts: dict[str, Any] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    @property
    def can_merge(self) -> bool:
        return not self.conflicts


def merge_preview(*, kept_id: int, merged_ids: list[int], works_limit: int = 200) -> MergePreview:
    """What merging ``merged_ids`` into ``kept_id`` would move, and what stops it. 4 queries, and
    the participants' (3 for follows, claims and invitations)."""
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
    for participant in merge_participants():
        preview.parts[participant.name] = participant.preview(
            kept=preview.kept, merged=preview.merged, conflicts=preview.conflicts
        )
    return preview


@dataclass(slots=True)
class MergeRecord:
    """What moved when one record was merged into another: written as the merge event's
    ``before`` and read back to undo the merge (and by partial undos of its siblings).

    The merge participants' parts (``moves``) are stored as flat keys next to the catalogue's
    own (follows_moved, follows_removed_users, claims_moved, claims_withdrawn, claims_staying,
    invitations_moved: profiles). Version 1 is the format merges have always stored; events
    stored before the ``version`` key was written are version 1 too."""

    VERSION: ClassVar[int] = 1
    # The catalogue's keys; every other key is a participant's.
    OWN_KEYS: ClassVar[frozenset[str]] = frozenset(
        ["version", "merged_into", "authorships", "repointed", "kept"]
    )

    # (authorship id, its source before the merge)
    authorships: list[tuple[int, str]] = field(default_factory=list)
    # what the merge participants moved (their stored parts, flat)
    moves: dict[str, Any] = field(default_factory=dict)
    repointed: list[int] = field(default_factory=list)  # records that were merged into it
    merged_into: int | None = None  # the record's merged_into before the merge
    # the kept record's owner and level before the merge
    kept_claimed_by: int | None = None
    kept_verification_level: int = 1

    def to_json(self) -> dict[str, Any]:
        shared = self.OWN_KEYS & self.moves.keys()
        if shared:
            raise ValueError(f"A merge participant stores {', '.join(sorted(shared))}.")
        return {
            "version": self.VERSION,
            "merged_into": self.merged_into,
            "authorships": [[pk, source] for pk, source in self.authorships],
            **self.moves,
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
            moves={key: value for key, value in data.items() if key not in cls.OWN_KEYS},
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
    participants = merge_participants()
    events = []
    for record in preview.merged:
        moved = list(Authorship.objects.filter(author=record).values_list("id", "source"))
        if keep_sources:
            Authorship.objects.filter(author=record).update(author=kept)
        else:
            Authorship.objects.filter(author=record).update(
                author=kept, source=AuthorshipSource.CURATOR
            )
        # Follows, claims, invitations (profiles) move with the record.
        parts = [
            participant.move(kept=kept, record=record, plan=preview.parts[participant.name])
            for participant in participants
        ]
        owner = next((part.owner for part in parts if part.owner), None) or record.claimed_by_id
        if owner and not kept.claimed_by_id:
            kept.claimed_by_id = owner
            kept.verification_level = max(kept.verification_level, record.verification_level)

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
                    moves=merge_stored(part.stored for part in parts),
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
    # Follows, claims, invitations (profiles) move back with the record.
    participants = merge_participants()
    parts = [
        participant.move_back(record=record, current=current, merge=merge, stored=before.moves)
        for participant in participants
    ]
    if any(part.owner_back for part in parts) and current == merge.author_id:
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
        participants=list(zip(participants, parts, strict=True)),
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
            **merge_stored(part.after for part in parts),
            **kept_for,
        },
        note=note,
    )
    refresh_counts([record.pk, current])
    authors_changed_on_commit([record.pk, current])
    return event


def _keep_for_records_still_merged(
    *,
    record_id: int,
    current: int,
    participants: list[tuple[MergeParticipant[Any, Any], MovedBack[Any]]],
) -> dict[str, Any]:
    """A partial undo (one record of a merge of several) must leave the kept record as if the
    undone record had never been merged in. A follow or pending claim that moved back with the
    undone record may have stood for a duplicate that another, still merged, record gave up at
    its merge (a person following both): the participants give that one back to the kept record,
    and note it so that undoing the other record later moves it home. 1 query, 2 when a
    participant has something to keep, and the participants'."""
    siblings = list(
        Author.objects.filter(merged_into_id=current)
        .exclude(pk=record_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    keeping = [(p, part.for_still_merged) for p, part in participants if part.for_still_merged]
    if not siblings or not keeping:
        return {}
    latest: dict[int, CurationEvent] = {}
    for past in CurationEvent.objects.filter(
        target_type="author",
        target_id__in=[str(pk) for pk in siblings],
        action__in=["merge", "unmerge"],
    ).order_by("created_at", "id"):
        latest[int(past.target_id)] = past
    still_merged = {
        sibling: MergeRecord.from_json(event.before).moves
        for sibling in siblings
        if (event := latest.get(sibling)) is not None and event.action == "merge"
    }
    return merge_stored(
        participant.keep_for_still_merged(
            record_id=record_id, current=current, back=back, still_merged=still_merged
        )
        for participant, back in keeping
    )


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
    moving = Authorship.objects.filter(author=author, work_id__in=chosen)
    was_flagged = author.shows_may_combine_several
    if resolved:
        # The curator's decision (one researcher now): later recomputes respect it.
        Author.objects.filter(pk=author.pk).update(several_decision=MayCombineSeveralDecision.ONE)
    return split_off(
        author=author,
        authorships=list(moving.values_list("id", flat=True)),
        actor=actor,
        note=note,
        before={"flagged": was_flagged, "several_decision": author.several_decision},
        after={
            "flagged": was_flagged and not resolved,
            "several_decision": MayCombineSeveralDecision.ONE
            if resolved
            else author.several_decision,
        },
    )


def split_off(
    *,
    author: Author,
    authorships: list[int],
    actor: Any,
    note: str,
    keep_sources: bool = False,
    moved_source: str = AuthorshipSource.CURATOR,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> tuple[Author, CurationEvent]:
    """The split itself (callers check who may do it and lock ``author``): ``authorships`` of
    the record move to a new record with the same name and its own slug (it does not receive
    imports), one "split" event, counters and scores refreshed, and the apps whose rows hang on
    the record hear of it. ``keep_sources`` (the identity engine) leaves the moved attributions'
    source as it was instead of marking them ``moved_source`` (curated; the owner's own split
    marks them as the owner's word)."""
    new = Author.objects.create(
        display_name=author.display_name,
        name_key=author.name_key,
        slug=_free_split_slug(author.name_key),
        receives_imports=False,
    )
    moving = Authorship.objects.filter(author=author, pk__in=authorships)
    moved = list(moving.values_list("id", "source"))
    arxiv_ids = sorted(
        Work.objects.filter(authorships__in=[pk for pk, _ in moved])
        .distinct()
        .values_list("arxiv_id", flat=True)
    )
    if keep_sources:
        moving.update(author=new)
    else:
        moving.update(author=new, source=moved_source)
    event = CurationEvent.objects.create(
        actor=actor,
        action="split",
        target_type="author",
        target_id=str(new.pk),
        author=author,
        before={
            "author": author.pk,
            "authorships": [[pk, source] for pk, source in moved],
            **(before or {}),
        },
        after={"new_author": new.pk, "new_slug": new.slug, "works": arxiv_ids, **(after or {})},
        note=note,
    )
    refresh_counts([author.pk, new.pk])
    authors_changed_on_commit([author.pk, new.pk])
    # The apps whose rows hang on the record hear of it (profiles tells its followers, who
    # choose whom to follow: nobody is moved silently).
    for participant in merge_participants():
        participant.record_split(record=author, new=new)
    return new, event
