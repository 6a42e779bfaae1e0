"""Reads behind the profile pages and the author half of search. Each selector states its query
budget."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Q
from django.http import Http404

from profiles.models import Author, CurationEvent
from profiles.names import name_key


def author_get(*, slug: str) -> Author:
    """The author record by slug with its institution, merged records included (the view
    redirects them, reading merged_into with one more query). 1 query; everything the profile header and trust snapshot show is a stored
    column of this row."""
    try:
        return Author.objects.select_related("institution").get(slug=slug)
    except Author.DoesNotExist:
        raise Http404(f"No author record {slug!r}.") from None


def author_history(*, author_id: int, limit: int = 500) -> list[CurationEvent]:
    """Every curation event about a record, newest first: events on it and events naming it as
    their target (a merged or split-off record). 1 query."""
    return list(
        CurationEvent.objects.select_related("actor")
        .filter(Q(author_id=author_id) | Q(target_type="author", target_id=str(author_id)))
        .order_by("-created_at", "-id")[:limit]
    )


def authors_search(*, query: str, offset: int = 0, limit: int = 10) -> tuple[list[Author], bool]:
    """Live author records whose folded name is close to `query`: accents, case and punctuation
    folded like the records' name keys ("Dóng  LIN" finds "Dong Lin"), and trigram similarity
    (pg_trgm `%`, similarity >= 0.3, served by the GIN index on Author.name_key) tolerates
    initials ("D. Lin"), missing first names ("Lin") and small typos ("Smyth"). Best match first,
    then most works. Returns (records, whether more exist). 1 query."""
    key = name_key(query)
    if not key:
        return [], False
    # Initials select nothing (most names have a word starting with "a") but make the index scan
    # read the huge posting lists of trigrams like "  a": filter on the longer words, rank on all.
    filter_key = " ".join(word for word in key.split() if len(word) > 1) or key
    rows = list(
        Author.objects.live()
        .filter(name_key__trigram_similar=filter_key)
        .annotate(similarity=TrigramSimilarity("name_key", key))
        .select_related("institution")
        .order_by("-similarity", "-works_count", "id")[offset : offset + limit + 1]
    )
    return rows[:limit], len(rows) > limit


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
