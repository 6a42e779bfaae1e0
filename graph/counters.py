"""The stored works and followers counters of author records, kept right at once.

Follows and curation (merge, split, hiding a work) move what these counters count inside a
person's request; the pages shown right after must show the new counts, so graph, their one
writer, updates them in the same transaction (``publications.signals.counters_stale``): a follow
moves its record's count by one, curation recounts. The recompute counts them again with
everything else.
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


def move_followers(author_id: int, delta: int) -> int:
    """One follow was inserted (+1) or deleted (-1) in this transaction: move the stored count by
    it in one statement (concurrent follows never lose an update; a count that drifted stays
    drifted until the recompute, which sets it only when no follow moved it meanwhile). Returns
    the new count."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE profiles_author SET followers_count = followers_count + %s WHERE id = %s "
            "RETURNING followers_count",
            [delta, author_id],
        )
        return cursor.fetchone()[0]


def recount_on_signal(
    sender,
    author_ids=(),
    works: bool = True,
    followers: bool = True,
    followers_delta: int | None = None,
    **kwargs,
) -> int | None:
    """Receiver of ``publications.signals.counters_stale``: a follow's one-record move (returns
    the new followers count), or a recount of curated records."""
    if followers_delta is not None:
        (author_id,) = author_ids
        return move_followers(author_id, followers_delta)
    recount(author_ids, works=works, followers=followers)
    return None
