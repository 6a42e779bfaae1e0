"""A follower's choice after a record they follow turned out to hold several people: the
notices on their following page (created when the catalogue splits the record,
publications/curation.py, which tells profiles' merge participant) and whom they follow now."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from profiles.common import VERIFY_EMAIL_FIRST
from profiles.feed_keys import following_feed_key
from profiles.follows import follow_author, unfollow_author
from profiles.models import Follow, FollowingFeedKey, SplitNotice
from profiles.selectors import has_verified_email
from publications.identity_review import split_family


def notify_followers_of_split(*, author_id: int) -> int:
    """Tell every follower of a record that was split (one open notice each), in the split's
    transaction. 2 queries, 3 when someone is told."""
    told = set(
        SplitNotice.objects.filter(author_id=author_id, closed_at=None).values_list(
            "user_id", flat=True
        )
    )
    notices = []
    for user_id in Follow.objects.filter(author_id=author_id).values_list("user_id", flat=True):
        if user_id not in told:
            told.add(user_id)
            notices.append(SplitNotice(user_id=user_id, author_id=author_id))
    SplitNotice.objects.bulk_create(notices)
    return len(notices)


def open_split_notices(*, user: Any) -> list[dict[str, Any]]:
    """The user's open notices, each with the people now under the name (and whether the user
    follows each)."""
    out: list[dict[str, Any]] = []
    notices = list(SplitNotice.objects.filter(user=user, closed_at=None).select_related("author"))
    if not notices:
        return out  # the usual case: one query
    followed = set(Follow.objects.filter(user=user).values_list("author_id", flat=True))
    for notice in notices:
        family = split_family(notice.author)
        if family:
            people = [{"author": a, "followed": a.pk in followed} for a in family]
            out.append({"notice": notice, "people": people})
    return out


def following_key_and_notices(*, user: Any) -> tuple[str, list[dict[str, Any]]]:
    """The following page's private feed key and the user's open notices. The key is read with
    whether any notice is open (1 query): the notices are read only then, so the many users
    with none pay nothing for them. The first visit creates the key and reads the notices."""
    row = (
        FollowingFeedKey.objects.filter(user=user)
        .annotate(notices=Exists(SplitNotice.objects.filter(user=OuterRef("user"), closed_at=None)))
        .values_list("key", "notices")
        .first()
    )
    if row is None:
        return following_feed_key(user=user), open_split_notices(user=user)
    key, notices = row
    return key, open_split_notices(user=user) if notices else []


@transaction.atomic
def split_notice_choose(*, user: Any, notice_id: int, follow_ids: list[int]) -> None:
    """The follower chooses whom to follow among the people now under the name (possibly
    nobody); the notice closes."""
    if not has_verified_email(user):
        raise ValidationError(VERIFY_EMAIL_FIRST)
    notice = (
        SplitNotice.objects.select_for_update()
        .filter(pk=notice_id, user=user, closed_at=None)
        .select_related("author")
        .first()
    )
    if notice is None:
        raise ValidationError("There is no such notice.")
    family = {a.pk: a for a in split_family(notice.author)}
    chosen = set(follow_ids)
    if chosen - set(family):
        raise ValidationError("Choose among the researchers listed.")
    for pk, record in family.items():
        if pk in chosen:
            follow_author(user=user, author=record)
        else:
            unfollow_author(user=user, author=record)
    notice.closed_at = timezone.now()
    notice.save(update_fields=["closed_at"])
