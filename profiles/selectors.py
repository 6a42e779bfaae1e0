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
