"""A user's e-mail digest subscription: opting in (daily or weekly), changing it, and the
one-click unsubscribe that works without logging in (a signed token in the link). Sending lives
in publications/digests.py (it reads works)."""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from profiles.models import DigestFrequency, DigestSubscription
from publications.permissions import require_signed_in

UNSUBSCRIBE_SALT = "bzpeer.digest-unsubscribe"


def digest_subscription_get(*, user) -> DigestSubscription:
    """The user's subscription, unsaved and off when they never chose. 1 query."""
    found = DigestSubscription.objects.filter(user=user).first()
    return found or DigestSubscription(user=user, frequency=DigestFrequency.OFF)


@transaction.atomic
def digest_subscription_set(*, user, frequency: str) -> DigestSubscription:
    """Choose daily, weekly or no digest. Opting in needs a verified e-mail address. Works learned
    before the user opted in are never "new" to them. Safe to run twice (one row, unchanged)."""
    from profiles.selectors import has_verified_email

    require_signed_in(user)
    if frequency not in DigestFrequency.values:
        raise ValidationError("Choose daily, weekly or no e-mail.")
    if frequency != DigestFrequency.OFF and not has_verified_email(user):
        raise ValidationError("Verify your e-mail address first: digests go only to verified ones.")
    subscription, _ = DigestSubscription.objects.select_for_update().get_or_create(user=user)
    if subscription.frequency == frequency:
        return subscription
    if subscription.frequency == DigestFrequency.OFF:
        subscription.subscribed_at = timezone.now()
    subscription.frequency = frequency
    subscription.save(update_fields=["frequency", "subscribed_at", "updated_at"])
    return subscription


def digest_unsubscribe_token(*, user_id: int) -> str:
    """The signed token of the unsubscribe link: it names the user and cannot be forged."""
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT, compress=True)


@transaction.atomic
def digest_unsubscribe(*, token: str) -> DigestSubscription | None:
    """Turn the digest off for the user the token names (no login needed). Returns the
    subscription, or None for a bad token. Safe to run twice."""
    try:
        user_id = int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None
    subscription = DigestSubscription.objects.select_for_update().filter(user_id=user_id).first()
    if subscription is not None and subscription.frequency != DigestFrequency.OFF:
        subscription.frequency = DigestFrequency.OFF
        subscription.save(update_fields=["frequency", "updated_at"])
    return subscription
