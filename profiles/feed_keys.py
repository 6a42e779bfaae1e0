"""Writes of the private following-feed keys (services; the read is
``selectors.following_feed_user_id``).

The key is a random secret stored per user, not derived from the site's secret key: the user can
replace it when a feed address leaked, and the old address then stops working at once."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from profiles.common import VERIFY_EMAIL_FIRST
from profiles.models import FollowingFeedKey
from profiles.selectors import has_verified_email
from publications.permissions import require_signed_in


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def following_feed_key(*, user) -> str:
    """The user's feed key, created on first use (1 query once it exists). Safe to run twice
    (and concurrently): one row per user, inserted with ON CONFLICT DO NOTHING in one statement,
    so no transaction is needed."""
    require_signed_in(user)
    existing = FollowingFeedKey.objects.filter(user=user).values_list("key", flat=True).first()
    if existing:
        return existing
    FollowingFeedKey.objects.bulk_create(
        [FollowingFeedKey(user=user, key=_new_key())], ignore_conflicts=True
    )
    return FollowingFeedKey.objects.values_list("key", flat=True).get(user=user)


@transaction.atomic
def following_feed_key_rotate(*, user) -> str:
    """Replace the user's feed key; the previous feed address answers 404 from now on. Running it
    twice gives two new keys (only the last one works)."""
    require_signed_in(user)
    if not has_verified_email(user):
        raise ValidationError(VERIFY_EMAIL_FIRST)
    key = _new_key()
    FollowingFeedKey.objects.update_or_create(user=user, defaults={"key": key})
    return key
