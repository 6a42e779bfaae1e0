"""E-mail digests: new works by the records a user follows, daily or weekly, for users who opted
in. Here: the subscription (opting in, changing it, the one-click unsubscribe that works without
logging in: a signed token in the link) and the sending. Celery beat runs :func:`users_due` once a
day and the users are sent to in batches (profiles.tasks); each work goes to a user at most once
(DigestItem).

"New" means: BZPEER learned of the work after the user opted in, and arXiv first published it in
the last NEW_WORK_DAYS days (a bulk import of old records is not news).
"""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from profiles.models import DigestFrequency, DigestItem, DigestSubscription
from profiles.selectors import has_verified_email
from publications.models import Authorship, Work
from publications.permissions import require_signed_in
from publications.selectors import work_list

UNSUBSCRIBE_SALT = "bzpeer.digest-unsubscribe"
PERIODS = {
    DigestFrequency.DAILY: dt.timedelta(days=1),
    DigestFrequency.WEEKLY: dt.timedelta(days=7),
}
# A daily beat that fires a little earlier than the day before still finds the user due.
SLACK = dt.timedelta(hours=2)
NEW_WORK_DAYS = 30
MAX_WORKS = 50
BATCH = 200


def digest_subscription_get(*, user) -> DigestSubscription:
    """The user's subscription, unsaved and off when they never chose. 1 query."""
    found = DigestSubscription.objects.filter(user=user).first()
    return found or DigestSubscription(user=user, frequency=DigestFrequency.OFF)


@transaction.atomic
def digest_subscription_set(*, user, frequency: str) -> DigestSubscription:
    """Choose daily, weekly or no digest. Opting in needs a verified e-mail address. Works learned
    before the user opted in are never "new" to them. Safe to run twice (one row, unchanged)."""
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


# --- Sending ------------------------------------------------------------------------------------


def users_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of the users whose digest is due (opted in, their period over). 1 query."""
    now = now or timezone.now()
    due = Q()
    for frequency, period in PERIODS.items():
        due |= Q(frequency=frequency) & (
            Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - period + SLACK)
        )
    return list(
        DigestSubscription.objects.filter(due).order_by("user_id").values_list("user_id", flat=True)
    )


def digest_works(
    *, user_id: int, since: dt.datetime, now: dt.datetime, limit: int = MAX_WORKS
) -> list[Work]:
    """New visible works of the (visible) records the user follows that were never sent to them,
    newest first. 2 queries (works, their first authors)."""
    followed = Authorship.objects.filter(
        work=OuterRef("pk"), author__follows__user_id=user_id, author__hidden=False
    )
    sent = DigestItem.objects.filter(user_id=user_id, work=OuterRef("pk"))
    return list(
        work_list()
        .filter(
            Exists(followed),
            created_at__gte=since,
            first_submitted__gte=now - dt.timedelta(days=NEW_WORK_DAYS),
        )
        .exclude(Exists(sent))
        .order_by("-first_submitted", "-id")[:limit]
    )


def _address(user) -> str:
    row = (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "id")
        .values_list("email", flat=True)
        .first()
    )
    return row or ""


@transaction.atomic
def send_digest(*, user_id: int, now: dt.datetime | None = None, connection=None) -> int:
    """Send one user their digest if it is due; returns how many works it listed. Safe to run
    twice, and concurrently: the subscription row is locked (a second run skips it), the period
    is checked under the lock, and the works sent are recorded in the same transaction as the
    send (a failed send rolls back, so the next run sends them)."""
    now = now or timezone.now()
    subscription = (
        DigestSubscription.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user")
        .filter(user_id=user_id)
        .first()
    )
    if subscription is None or subscription.frequency not in PERIODS:
        return 0
    period = PERIODS[DigestFrequency(subscription.frequency)]
    if subscription.last_sent_at and subscription.last_sent_at > now - period + SLACK:
        return 0
    subscription.last_sent_at = now
    subscription.save(update_fields=["last_sent_at"])
    address = _address(subscription.user)
    since = subscription.subscribed_at or now
    works = digest_works(user_id=user_id, since=since, now=now) if address else []
    if not works:
        return 0
    DigestItem.objects.bulk_create(
        [DigestItem(user_id=user_id, work=work) for work in works], ignore_conflicts=True
    )
    _message(subscription, works, address, connection).send()
    return len(works)


def unsubscribe_url(user_id: int) -> str:
    token = digest_unsubscribe_token(user_id=user_id)
    return settings.BZPEER_SITE_URL + reverse("profiles:digest-unsubscribe", args=[token])


def _message(subscription: DigestSubscription, works: list[Work], address: str, connection):
    unsubscribe = unsubscribe_url(subscription.user_id)
    context = {
        "user": subscription.user,
        "works": works,
        "frequency": subscription.get_frequency_display().lower(),
        "site": settings.BZPEER_SITE_URL,
        "unsubscribe_url": unsubscribe,
        "settings_url": settings.BZPEER_SITE_URL + reverse("profiles:digest-settings"),
    }
    count = len(works)
    message = EmailMultiAlternatives(
        subject=f"BZPEER: {count} new work{'s' if count != 1 else ''} by researchers you follow",
        body=render_to_string("profiles/digest_email.txt", context),
        to=[address],
        connection=connection,
        headers={
            # One-click unsubscribe (RFC 8058): mail clients POST to this address.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("profiles/digest_email.html", context), "text/html")
    return message
