"""Reads behind the profile pages. Each selector states its query budget."""

from __future__ import annotations

from django.http import Http404

from profiles.models import Author


def author_get(*, slug: str) -> Author:
    """The author record by slug, merged records included (the view redirects them). 1 query."""
    try:
        return Author.objects.select_related("institution", "merged_into").get(slug=slug)
    except Author.DoesNotExist:
        raise Http404(f"No author record {slug!r}.") from None


# --- Follows, claims, invitations (issue 4) -----------------------------------------------------


def author_viewer_state(*, author: Author, user) -> dict:
    """What the profile shows the visitor about their own relation to the record: whether they
    follow it and the state of their latest claim on it. 0 queries for visitors, 1 when signed in."""
    from django.db.models import Exists, OuterRef, Subquery

    from profiles.models import Claim, Follow

    state = {"following": False, "my_claim_state": "", "is_owner": False}
    if not getattr(user, "is_authenticated", False):
        return state
    row = (
        Author.objects.filter(pk=author.pk)
        .annotate(
            following=Exists(Follow.objects.filter(author=OuterRef("pk"), user=user)),
            my_claim_state=Subquery(
                Claim.objects.filter(author=OuterRef("pk"), user=user)
                .order_by("-created_at")
                .values("state")[:1]
            ),
        )
        .values("following", "my_claim_state")
        .first()
    ) or {}
    state["following"] = bool(row.get("following"))
    state["my_claim_state"] = row.get("my_claim_state") or ""
    state["is_owner"] = author.claimed_by_id == user.pk
    return state


def claims_of_user(*, user):
    """The user's own claims, newest first, with their records. 1 query."""
    from profiles.models import Claim

    return list(
        Claim.objects.filter(user=user).select_related("author").order_by("-created_at", "-id")
    )


def claim_of_user(*, user, claim_id: int):
    """One claim of this user; 404 for another user's claim (its existence is not revealed)."""
    from profiles.models import Claim

    try:
        return Claim.objects.select_related("author").get(pk=claim_id, user=user)
    except Claim.DoesNotExist:
        raise Http404("No such claim.") from None


def inbox_of_user(*, user) -> dict:
    """Invitations received on the records the user owns and those they sent, newest first.
    2 queries."""
    from profiles.models import CollaborationInvitation

    received = list(
        CollaborationInvitation.objects.filter(author__claimed_by=user)
        .select_related("sender", "author")
        .order_by("-created_at", "-id")[:200]
    )
    sent = list(
        CollaborationInvitation.objects.filter(sender=user)
        .select_related("author")
        .order_by("-created_at", "-id")[:200]
    )
    return {"received": received, "sent": sent}


def invitation_visible_to(*, user, invitation_id: int):
    """An invitation the user sent or received; 404 otherwise. 1 query."""
    from django.db.models import Q

    from profiles.models import CollaborationInvitation

    try:
        return CollaborationInvitation.objects.select_related("author").get(
            Q(sender=user) | Q(author__claimed_by=user), pk=invitation_id
        )
    except CollaborationInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def owned_records(*, user) -> list[Author]:
    """The records the user owns. 1 query."""
    return list(Author.objects.filter(claimed_by=user).order_by("display_name", "pk"))
