"""The e-mails profiles sends, each after the transaction that decided it commits (a write that
rolls back sends nothing): to a claimant when their claim is decided, and to the owner of a record
when someone invites them to collaborate."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from profiles.models import Claim
from publications.models import Author


def mail_claim_decision(claim: Claim, *, approved: bool) -> None:
    """After commit, tell the claimant that a curator (or the strong evidence) approved their
    claim, or why a curator rejected it. Nothing is sent to an account without an address."""
    user = claim.user
    if not user.email:
        return
    name = claim.author.display_name
    if approved:
        subject = f"BZPEER: your claim on {name} was approved"
        body = (
            f"Your claim on the author record {name} was approved. You can now edit the record:\n"
            f"{settings.BZPEER_SITE_URL}{claim.author.get_absolute_url()}\n"
        )
    else:
        subject = f"BZPEER: your claim on {name} was rejected"
        body = (
            f"Your claim on the author record {name} was rejected.\n\nReason: {claim.reason}\n\n"
            f"Your claims: {settings.BZPEER_SITE_URL}/claims/\n"
        )
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient], fail_silently=False))


def mail_invitation(*, author: Author, sender, message: str) -> None:
    """After commit, tell the owner of ``author`` (loaded with ``claimed_by``) that ``sender``
    invites them to collaborate. Nothing is sent to an owner without an address."""
    recipient = author.claimed_by.email if author.claimed_by else ""
    if recipient:
        # The sender's contact detail is not in the mail: the receiver sees it on accepting.
        subject = f"BZPEER: a collaboration invitation for {author.display_name}"
        body = (
            f"{sender.get_username()} invites you to collaborate:\n\n{message}\n\n"
            f"Answer it in your inbox: {settings.BZPEER_SITE_URL}/inbox/\n"
        )
        transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))
