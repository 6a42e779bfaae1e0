"""Reads behind the profile pages. Each selector states its query budget."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from profiles.models import Author, CurationEvent


def author_get(*, slug: str) -> Author:
    """The author record by slug, merged records included (the view redirects them). 1 query."""
    try:
        return Author.objects.select_related("institution", "merged_into").get(slug=slug)
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
