"""Following an author record and stopping: the follow row and, in the same transaction, the
record's followers count (moved by graph, the counter's one writer)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from profiles.common import VERIFY_EMAIL_FIRST, records_changed, require_live
from profiles.selectors import has_verified_email
from publications import signals
from publications.models import Author
from publications.permissions import require_signed_in


@transaction.atomic
def follow_author(*, user, author: Author) -> bool:
    """Follow a record. Returns True when a new follow was created. Safe to run twice (and
    concurrently): the unique (user, author) row is inserted with ON CONFLICT DO NOTHING and the
    counter moves only when a row was inserted, in the same transaction, so it stays exact.
    A follow moves the record's trust score: only accounts with a verified e-mail address count."""
    require_signed_in(user)
    require_live(author)
    if not has_verified_email(user):
        raise ValidationError(VERIFY_EMAIL_FIRST)
    if author.hidden:  # the callers read the record afresh; no query of its own
        raise ValidationError("The owner of this record hid its page: it cannot be followed.")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO profiles_follow (user_id, author_id, created_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (user_id, author_id) DO NOTHING RETURNING id",
            [user.pk, author.pk, timezone.now()],
        )
        created = cursor.fetchone() is not None
        if created:
            _count_follower(cursor, author, +1)
    return created


@transaction.atomic
def unfollow_author(*, user, author: Author) -> bool:
    """Stop following. Returns True when a follow was removed. Safe to run twice: the second
    call deletes nothing and leaves the counter alone."""
    require_signed_in(user)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM profiles_follow WHERE user_id = %s AND author_id = %s RETURNING id",
            [user.pk, author.pk],
        )
        removed = cursor.fetchone() is not None
        if removed:
            _count_follower(cursor, author, -1)
    return removed


def _count_follower(cursor, author: Author, delta: int) -> None:
    """The follow this transaction inserted or deleted: graph (the counter's one writer) moves
    the record's stored count by it at once, in this transaction; the recompute hears of the
    change after commit."""
    responses = signals.counters_stale.send(
        sender=Author, author_ids=[author.pk], works=False, followers=True, followers_delta=delta
    )
    counts = [count for _, count in responses if count is not None]
    if counts:
        author.followers_count = counts[0]
    records_changed([author.pk])
