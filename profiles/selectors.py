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
