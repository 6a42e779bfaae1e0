"""What a merge of author records (publications/curation.py) does to what people hang on them:
follows, claims (and so the record's owner) and collaboration invitations; and what its undo
gives back. A split of a record moves none of them: its followers are told (split notices). Registered with the catalogue as a merge participant in ``ProfilesConfig.ready()``
(publications/merge_participants.py says when each method is called).

What moved is stored in the merge event's ``before`` under flat keys: follows_moved,
follows_removed_users, claims_moved, claims_withdrawn, claims_staying, invitations_moved; a
partial undo notes in its ``after`` what it kept on the kept record for the records still merged
(follows_kept_for, claims_kept_for: record id → ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from profiles.models import Claim, ClaimState, CollaborationInvitation, Follow, InvitationState
from profiles.split_notices import notify_followers_of_split
from publications.merge_participants import Moved, MovedBack, kept_for_since
from publications.models import Author, CurationEvent


@dataclass
class PeopleMergePreview:
    """What a merge does to follows, claims and invitations (the preview page's "profiles")."""

    follows_moving: int = 0
    follows_deduplicated: int = 0  # users following both: they keep one follow
    claims_moving: list[Claim] = field(default_factory=list)
    claims_withdrawn: list[Claim] = field(default_factory=list)  # same user pending on both
    # The owner's approved claims on merged records when the owner already has the kept record
    # (an owner merging two of their records): they stay, approved, on the merged record.
    claims_staying: list[Claim] = field(default_factory=list)
    invitations_moving: int = 0


@dataclass(frozen=True)
class PeopleBack:
    """Who came back with an undone record: their duplicates on records still merged may have to
    be given back to the kept record."""

    users_followed_back: set[int]
    users_pending_back: set[int]


class PeopleOnRecords:
    """Follows, claims and invitations move with a merged record and back with its undo."""

    name = "profiles"

    def preview(
        self, *, kept: Author, merged: list[Author], conflicts: list[str]
    ) -> PeopleMergePreview:
        """3 queries."""
        kept_id, merged_ids = kept.pk, [record.pk for record in merged]
        preview = PeopleMergePreview()
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
            conflicts.append(
                f"Two approved claims ({who}): a record can have one owner. Reject or withdraw "
                "one claim first."
            )
        elif len(approved) > 1:
            # One owner of several of the records: one approved claim ends on the kept record
            # (its own, or the first merged one), the others stay on their merged records.
            first = next((c for c in approved if c.author_id == kept_id), None) or next(
                c for c in sorted(approved, key=lambda c: merged_ids.index(c.author_id))
            )
            preview.claims_staying = [c for c in approved if c is not first]
        claimed_by = {r.claimed_by_id for r in [kept, *merged] if r.claimed_by_id}
        if len(claimed_by) > 1 and len(approved) <= 1:
            conflicts.append("The records are claimed by different people.")
        preview.invitations_moving = CollaborationInvitation.objects.filter(
            author_id__in=merged_ids
        ).count()
        # One pending claim per user and record: a user's second pending claim is withdrawn.
        pending_users = {
            c.user_id for c in claims if c.author_id == kept_id and c.state == ClaimState.PENDING
        }
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

    def move(self, *, kept: Author, record: Author, plan: PeopleMergePreview) -> Moved:
        """Follows move (a user following both keeps one), claims move (a duplicate pending one
        is withdrawn, an owner's second approved one stays), invitations move (except a second
        open one from the same sender)."""
        kept_users = Follow.objects.filter(author=kept).values("user_id")
        duplicate = Follow.objects.filter(author=record, user_id__in=kept_users)
        removed = list(duplicate.values_list("user_id", flat=True))
        duplicate.delete()
        follows_moved = list(Follow.objects.filter(author=record).values_list("id", flat=True))
        Follow.objects.filter(pk__in=follows_moved).update(author=kept)

        withdrawn_ids = {c.pk for c in plan.claims_withdrawn}
        staying_ids = {c.pk for c in plan.claims_staying}
        claims = list(Claim.objects.filter(author=record))
        claims_withdrawn = [c.pk for c in claims if c.pk in withdrawn_ids]
        Claim.objects.filter(pk__in=claims_withdrawn).update(state=ClaimState.WITHDRAWN)
        claims_staying = [c.pk for c in claims if c.pk in staying_ids]
        claims_moved = [c.pk for c in claims if c.pk not in withdrawn_ids | staying_ids]
        Claim.objects.filter(pk__in=claims_moved).update(author=kept)
        approved = next((c for c in claims if c.state == ClaimState.APPROVED), None)

        open_senders = CollaborationInvitation.objects.filter(
            author=kept, state=InvitationState.PENDING
        ).values("sender_id")
        invitations_moved = list(
            CollaborationInvitation.objects.filter(author=record)
            .exclude(state=InvitationState.PENDING, sender_id__in=open_senders)
            .values_list("id", flat=True)
        )
        CollaborationInvitation.objects.filter(pk__in=invitations_moved).update(author=kept)
        return Moved(
            stored={
                "follows_moved": follows_moved,
                "follows_removed_users": removed,
                "claims_moved": claims_moved,
                "claims_withdrawn": claims_withdrawn,
                "claims_staying": claims_staying,
                "invitations_moved": invitations_moved,
            },
            owner=approved.user_id if approved else None,
        )

    def move_back(
        self, *, record: Author, current: int, merge: CurationEvent, stored: Mapping[str, Any]
    ) -> MovedBack[PeopleBack]:
        """What moved comes back if it is still on ``current``; duplicate follows and withdrawn
        claims come back too."""
        follows_back = list(
            Follow.objects.filter(
                pk__in=stored.get("follows_moved", []), author_id=current
            ).values_list("id", "user_id")
        )
        Follow.objects.filter(pk__in=[f for f, _ in follows_back]).update(author=record)
        # Follows an earlier partial undo kept on the kept record on this record's behalf come
        # back first (they are this record's follows), then the duplicates removed at the merge.
        Follow.objects.filter(
            pk__in=kept_for_since(record_id=record.pk, merge=merge, key="follows_kept_for"),
            author_id=current,
        ).update(author=record)
        Follow.objects.bulk_create(
            [Follow(user_id=u, author=record) for u in stored.get("follows_removed_users", [])],
            ignore_conflicts=True,
        )
        claims_back = list(
            Claim.objects.filter(
                pk__in=stored.get("claims_moved", []), author_id=current
            ).values_list("id", "state", "user_id")
        )
        Claim.objects.filter(pk__in=[c[0] for c in claims_back]).update(author=record)
        # Withdrawn at the merge as duplicates; pending on the kept record if a partial undo of
        # another record gave them back there.
        Claim.objects.filter(pk__in=stored.get("claims_withdrawn", [])).filter(
            Q(state=ClaimState.WITHDRAWN) | Q(state=ClaimState.PENDING, author_id=current)
        ).update(state=ClaimState.PENDING, author=record)
        CollaborationInvitation.objects.filter(
            pk__in=stored.get("invitations_moved", []), author_id=current
        ).update(author=record)
        people = PeopleBack(
            users_followed_back={u for _, u in follows_back},
            users_pending_back={u for _, state, u in claims_back if state == ClaimState.PENDING},
        )
        return MovedBack(
            after={"claims_back": [c[0] for c in claims_back]},
            owner_back=any(state == ClaimState.APPROVED for _, state, _ in claims_back),
            for_still_merged=people
            if people.users_followed_back or people.users_pending_back
            else None,
        )

    def keep_for_still_merged(
        self,
        *,
        record_id: int,
        current: int,
        back: PeopleBack,
        still_merged: Mapping[int, Mapping[str, Any]],
    ) -> dict[str, Any]:
        """A follow or pending claim that came back with the undone record may have stood for a
        duplicate a record still merged gave up at its merge: it is given back to ``current``.
        2 queries, and one per follow or claim given back."""
        following = set(
            Follow.objects.filter(
                author_id=current, user_id__in=back.users_followed_back
            ).values_list("user_id", flat=True)
        )
        pending = set(
            Claim.objects.filter(
                author_id=current, state=ClaimState.PENDING, user_id__in=back.users_pending_back
            ).values_list("user_id", flat=True)
        )
        follows_kept: dict[str, list[int]] = {}
        claims_kept: dict[str, list[int]] = {}
        for sibling, moved in still_merged.items():
            for user_id in moved.get("follows_removed_users", []):
                if user_id in back.users_followed_back and user_id not in following:
                    follow = Follow.objects.create(user_id=user_id, author_id=current)
                    following.add(user_id)
                    follows_kept.setdefault(str(sibling), []).append(follow.pk)
            withdrawn = Claim.objects.filter(
                pk__in=moved.get("claims_withdrawn", []),
                state=ClaimState.WITHDRAWN,
                user_id__in=back.users_pending_back - pending,
            ).order_by("pk")
            for claim in withdrawn:
                if claim.user_id in pending:
                    continue
                Claim.objects.filter(pk=claim.pk).update(
                    state=ClaimState.PENDING, author_id=current
                )
                pending.add(claim.user_id)
                claims_kept.setdefault(str(sibling), []).append(claim.pk)
        return {
            **({"follows_kept_for": follows_kept} if follows_kept else {}),
            **({"claims_kept_for": claims_kept} if claims_kept else {}),
        }

    def nothing_moved(self) -> dict[str, Any]:
        return {
            "follows_moved": [],
            "follows_removed_users": [],
            "claims_moved": [],
            "claims_withdrawn": [],
            "claims_staying": [],
            "invitations_moved": [],
        }

    def records_with_rows(self, *, author_ids: list[int]) -> set[int]:
        """3 queries."""
        return (
            set(Follow.objects.filter(author_id__in=author_ids).values_list("author_id", flat=True))
            | set(
                Claim.objects.filter(author_id__in=author_ids).values_list("author_id", flat=True)
            )
            | set(
                CollaborationInvitation.objects.filter(author_id__in=author_ids).values_list(
                    "author_id", flat=True
                )
            )
        )

    def claimants(self, *, author_ids: list[int]) -> set[int]:
        """1 query."""
        return set(
            Claim.objects.filter(author_id__in=author_ids, state=ClaimState.PENDING).values_list(
                "user_id", flat=True
            )
        )

    def record_split(self, *, record: Author, new: Author) -> None:
        """Follows and claims stay on the split record; each of its followers gets a notice on
        their following page to choose whom to follow (profiles/split_notices.py)."""
        notify_followers_of_split(author_id=record.pk)
