"""Celery tasks of the e-mail digests: thin wrappers over profiles.digests."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import get_connection

from profiles import digests


@shared_task(acks_late=True)
def send_due_digests() -> dict[str, int]:
    """Beat, daily: the users whose digest is due, sent to in batches of digests.BATCH (one task
    each, so workers share them). Safe to run twice: each user's send re-checks their period."""
    due = digests.users_due()
    batches = [due[i : i + digests.BATCH] for i in range(0, len(due), digests.BATCH)]
    for batch in batches:
        send_digest_batch.delay(batch)
    return {"users": len(due), "batches": len(batches)}


@shared_task(acks_late=True)
def send_digest_batch(user_ids: list[int]) -> dict[str, int]:
    """One batch of digests through one mail connection."""
    sent = works = 0
    with get_connection() as connection:
        for user_id in user_ids:
            listed = digests.send_digest(user_id=int(user_id), connection=connection)
            sent += bool(listed)
            works += listed
    return {"mails": sent, "works": works}
