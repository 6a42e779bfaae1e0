"""Reads behind the profile pages and the author half of search. Each selector states its query
budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from profiles.evidence import normalise_orcid
from profiles.models import (
    Claim,
    ClaimState,
    CollaborationInvitation,
    Follow,
    FollowingFeedKey,
    InstitutionDomain,
    InvitationBlock,
)
from publications.models import Author, CurationEvent, Institution
from publications.names import name_key


def author_canonical_slug(*, slug: str) -> str | None:
    """The slug of the record a differently cased slug names ("I-GRABEC" -> "i-grabec"), or None.
    Slugs are stored in lower case. 1 query (none when the slug is already lower case)."""
    lowered = slug.lower()
    if lowered == slug:
        return None
    return Author.objects.filter(slug=lowered).values_list("slug", flat=True).first()


@dataclass(frozen=True)
class ProvenOrcid:
    orcid: str  # the bare iD, 0000-0002-1825-0097
    url: str


def owner_orcid(*, author: Author) -> ProvenOrcid | None:
    """The ORCID iD of the record's owner, as proven by their ORCID sign-in (allauth's social
    account uid: never a value typed into a form). None when the record is unclaimed or its
    owner never signed in with ORCID. 1 query when claimed, none otherwise."""
    if not author.claimed_by_id:
        return None
    from allauth.socialaccount.models import SocialAccount

    uids = (
        SocialAccount.objects.filter(user_id=author.claimed_by_id, provider="orcid")
        .order_by("pk")
        .values_list("uid", flat=True)[:1]
    )
    orcid = normalise_orcid(uids[0]) if uids else ""
    if not orcid:
        return None
    domain = settings.SOCIALACCOUNT_PROVIDERS.get("orcid", {}).get("BASE_DOMAIN", "orcid.org")
    return ProvenOrcid(orcid=orcid, url=f"https://{domain}/{orcid}")


def author_list(
    *,
    q: str = "",
    claimed: bool | None = None,
    verification_level: int | None = None,
    institution_id: int | None = None,
    min_works: int | None = None,
) -> QuerySet[Author]:
    """Live author records (merged and hidden ones left out), filtered; the caller orders and slices.

    ``q`` matches names by their folded name key (so "lin, dong" finds "Dong Lin"), served by the
    trigram index. 1 query per page: institutions are joined."""
    authors = Author.objects.public().select_related("institution")
    if q:
        key = name_key(q)
        if not key:
            return authors.none()
        authors = authors.filter(name_key__contains=key)
    if claimed is not None:
        authors = authors.filter(claimed_by__isnull=not claimed)
    if verification_level is not None:
        authors = authors.filter(verification_level=verification_level)
    if institution_id is not None:
        authors = authors.filter(institution_id=institution_id)
    if min_works is not None:
        authors = authors.filter(works_count__gte=min_works)
    return authors


def author_history(*, author_id: int, limit: int = 500) -> list[CurationEvent]:
    """Every curation event about a record, newest first: events on it and events naming it as
    their target (a merged or split-off record). 1 query."""
    return list(
        CurationEvent.objects.select_related("actor")
        .filter(Q(author_id=author_id) | Q(target_type="author", target_id=str(author_id)))
        .order_by("-created_at", "-id")[:limit]
    )


def follows_page_of_user(*, user_id: int) -> QuerySet[Follow]:
    """The follows of a user with the followed records and their institutions; the caller orders
    and slices. 1 query per page."""
    return Follow.objects.filter(user_id=user_id, author__hidden=False).select_related(
        "author__institution"
    )


def claims_page_of_user(*, user_id: int) -> QuerySet[Claim]:
    """A user's claims, every state, with the claimed records; the caller orders and slices.
    1 query per page."""
    return Claim.objects.filter(user_id=user_id).select_related("author")


def claim_get(*, claim_id: int) -> Claim:
    """One claim with its record (whoever made it: the service decides who may act). 1 query."""
    if not 0 < claim_id < 2**63:
        raise Http404(f"No claim {claim_id}.")
    try:
        return Claim.objects.select_related("author").get(pk=claim_id)
    except Claim.DoesNotExist:
        raise Http404(f"No claim {claim_id}.") from None


# --- Follows, claims, invitations ----------------------------------------------------------


def author_viewer_state(*, author: Author, user) -> dict:
    """What the profile shows the visitor about their own relation to the record: whether they
    follow it, the state of their latest claim on it, whether its owner blocked their
    invitations. 0 queries for visitors, 1 when signed in."""
    from django.db.models import Exists, OuterRef, Subquery

    state = {"following": False, "my_claim_state": "", "is_owner": False, "blocked_by_owner": False}
    if not getattr(user, "is_authenticated", False):
        return state
    row = (
        Author.objects.filter(pk=author.pk)
        .annotate(
            following=Exists(Follow.objects.filter(author=OuterRef("pk"), user=user)),
            blocked_by_owner=Exists(
                InvitationBlock.objects.filter(blocker_id=OuterRef("claimed_by_id"), blocked=user)
            ),
            my_claim_state=Subquery(
                Claim.objects.filter(author=OuterRef("pk"), user=user)
                .order_by("-created_at")
                .values("state")[:1]
            ),
        )
        .values("following", "my_claim_state", "blocked_by_owner")
        .first()
    ) or {}
    state["following"] = bool(row.get("following"))
    state["my_claim_state"] = row.get("my_claim_state") or ""
    state["blocked_by_owner"] = bool(row.get("blocked_by_owner"))
    state["is_owner"] = author.claimed_by_id == user.pk
    return state


def claims_of_user(*, user):
    """The user's own claims, newest first, with their records. 1 query."""
    return list(
        Claim.objects.filter(user=user).select_related("author").order_by("-created_at", "-id")
    )


def claim_of_user(*, user, claim_id: int):
    """One claim of this user; 404 for another user's claim (its existence is not revealed)."""
    try:
        return Claim.objects.select_related("author").get(pk=claim_id, user=user)
    except Claim.DoesNotExist:
        raise Http404("No such claim.") from None


def inbox_of_user(*, user) -> dict:
    """Invitations the user received (as the owner of the record when each was sent) and those
    they sent, newest first, and the senders they blocked. 3 queries."""
    received = list(
        CollaborationInvitation.objects.filter(receiver=user)
        .select_related("sender", "author")
        .order_by("-created_at", "-id")[:200]
    )
    sent = list(
        CollaborationInvitation.objects.filter(sender=user)
        .select_related("author")
        .order_by("-created_at", "-id")[:200]
    )
    blocked = list(
        InvitationBlock.objects.filter(blocker=user)
        .select_related("blocked")
        .order_by("-created_at")
    )
    blocked_ids = {b.blocked_id for b in blocked}
    for invitation in received:
        invitation.sender_blocked = invitation.sender_id in blocked_ids
    return {"received": received, "sent": sent, "blocked": blocked}


def invitation_visible_to(*, user, invitation_id: int):
    """An invitation the user sent or received; 404 otherwise (also for the record's later
    owners). 1 query."""
    from django.db.models import Q

    try:
        return CollaborationInvitation.objects.select_related("author").get(
            Q(sender=user) | Q(receiver=user), pk=invitation_id
        )
    except CollaborationInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def owned_records(*, user) -> list[Author]:
    """The records the user owns. 1 query."""
    return list(Author.objects.filter(claimed_by=user).order_by("display_name", "pk"))


def following_feed_user_id(*, key: str) -> int | None:
    """Whose private following feed this key opens, or None (1 query)."""
    return FollowingFeedKey.objects.filter(key=key).values_list("user_id", flat=True).first()


def author_with_viewer_state(*, slug: str, user) -> tuple[Author, dict] | None:
    """The record by slug with what its profile cards show (name, follower count, claim and
    verification) and the signed-in visitor's state on it (as :func:`author_viewer_state`), in
    1 query. None when no record has this slug."""
    from django.db.models import Exists, OuterRef, Subquery

    from profiles.models import Claim, Follow, InvitationBlock

    author = (
        Author.objects.filter(slug=slug)
        .only(
            "slug",
            "display_name",
            "followers_count",
            "claimed_by_id",
            "verification_level",
            "hidden",
            "merged_into_id",
        )
        .annotate(
            viewer_following=Exists(Follow.objects.filter(author=OuterRef("pk"), user=user)),
            viewer_blocked=Exists(
                InvitationBlock.objects.filter(blocker_id=OuterRef("claimed_by_id"), blocked=user)
            ),
            viewer_claim_state=Subquery(
                Claim.objects.filter(author=OuterRef("pk"), user=user)
                .order_by("-created_at")
                .values("state")[:1]
            ),
        )
        .first()
    )
    if author is None:
        return None
    row: Any = author  # carries the annotations
    state = {
        "following": bool(row.viewer_following),
        "my_claim_state": row.viewer_claim_state or "",
        "is_owner": author.claimed_by_id == user.pk,
        "blocked_by_owner": bool(row.viewer_blocked),
    }
    return author, state


# --- What the writes check: verified e-mail, claim evidence, merge requests, blocks -------------


def has_verified_email(user) -> bool:
    """1 query, remembered on the user object (one request asks the API's permission and then
    the service)."""
    from allauth.account.models import EmailAddress

    known = getattr(user, "_has_verified_email", None)
    if known is None:
        known = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._has_verified_email = known
    return known


def record_affiliations(author: Author) -> list[str]:
    """The record's affiliations as printed on its works, and its profile affiliation. 1 query
    (2 when the institution is not loaded)."""
    # Read through the reverse relation so profiles does not import publications.
    names = list(
        author.authorships.exclude(printed_affiliation="")
        .values_list("printed_affiliation", flat=True)
        .distinct()[:500]
    )
    if author.institution is not None:
        names.append(author.institution.name)
    return names


def institution_using_domain(*, author: Author, domain: str) -> InstitutionDomain | None:
    """The curators' entry saying that an institution of this record (on its works, or its
    profile affiliation) uses ``domain`` for e-mail; None when there is none. 1 query."""
    if not domain:
        return None
    authorship = apps.get_model("publications", "Authorship")
    on_record = Q(
        Exists(
            authorship.objects.filter(
                author_id=author.pk, institution_id=OuterRef("institution_id")
            )
        )
    )
    if author.institution_id:
        on_record |= Q(institution_id=author.institution_id)
    return (
        InstitutionDomain.objects.select_related("institution")
        .filter(on_record, domain=domain)
        .order_by("pk")
        .first()
    )


def pending_claim(*, user, author: Author) -> Claim | None:
    """The user's claim on this record that waits for the curators, if any. 1 query."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Claim.objects.filter(user=user, author=author, state=ClaimState.PENDING).first()


def claim_has_other_party(claim: Claim) -> bool:
    """Whether a pending claim contests someone else's: the record is owned by another person, or
    another person also has a pending claim on it. 1 query."""
    return (
        Author.objects.filter(pk=claim.author_id)
        .filter(
            Q(claimed_by__isnull=False) & ~Q(claimed_by_id=claim.user_id)
            | Exists(
                Claim.objects.filter(author_id=OuterRef("pk"), state=ClaimState.PENDING).exclude(
                    user_id=claim.user_id
                )
            )
        )
        .exists()
    )


def record_institutions(*, author: Author) -> list[Institution]:
    """The institutions of a record: its profile affiliation and those printed on its works."""
    authorship = apps.get_model("publications", "Authorship")
    on_works = authorship.objects.filter(author_id=author.pk, institution_id__isnull=False)
    return list(
        Institution.objects.filter(
            Q(pk=author.institution_id) | Q(pk__in=on_works.values("institution_id"))
        ).order_by("name")[:50]
    )


def merge_request_pending(*, first: int, second: int) -> bool:
    """Whether a request to merge these two records (either way round) waits for curators: made
    after the last merge or undo of either record. 2 queries (curation_target_idx)."""
    targets = [str(first), str(second)]
    done = (
        CurationEvent.objects.filter(
            target_type="author", target_id__in=targets, action__in=["merge", "unmerge"]
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    requests = CurationEvent.objects.filter(
        target_type="author",
        target_id__in=targets,
        action="merge_requested",
        after__merge__in=[first, second],
        after__into__in=[first, second],
    )
    if done is not None:
        requests = requests.filter(created_at__gt=done)
    return requests.exists()


def blocked_by_owner(*, sender, author: Author) -> bool:
    """Whether the owner of `author` blocked invitations from `sender`. 1 query."""
    return InvitationBlock.objects.filter(blocker_id=author.claimed_by_id, blocked=sender).exists()
