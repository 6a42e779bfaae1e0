"""The stored works and followers counters of author records, recounted at once.

Follows and curation (merge, split, hiding a work) move what these counters count inside a
person's request; the pages shown right after must show the new counts, so graph, their one
writer, recounts them in the same transaction (``publications.signals.counters_stale``) instead
of waiting for the recompute. The recompute counts them again with everything else.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from graph.models import AuthorStats
from profiles.models import Follow
from publications.models import Authorship


def recount(author_ids: Iterable[int], *, works: bool = True, followers: bool = True) -> None:
    """Recount the works and/or followers of some records (2 queries).

    The records' rows are locked first, in id order, and counted in a statement that starts after
    the lock: two people following one record at once both get counted (the second waits for the
    first to commit, then counts its follow too)."""
    ids = sorted({int(i) for i in author_ids})
    if not ids or not (works or followers):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM profiles_author WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids]
        )
    values = {}
    if works:
        counted_works = (
            Authorship.objects.filter(author_id=OuterRef("pk"), work__hidden=False)
            .order_by()
            .values("author_id")
            .annotate(n=Count("work_id", distinct=True))
            .values("n")
        )
        values["works_count"] = Coalesce(Subquery(counted_works), 0)
    if followers:
        counted_follows = (
            Follow.objects.filter(author_id=OuterRef("pk"))
            .order_by()
            .values("author_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        values["followers_count"] = Coalesce(Subquery(counted_follows), 0)
    AuthorStats.objects.filter(pk__in=ids).update(**values)


def recount_on_signal(
    sender, author_ids=(), works: bool = True, followers: bool = True, **kwargs
) -> None:
    """Receiver of ``publications.signals.counters_stale``."""
    recount(author_ids, works=works, followers=followers)
