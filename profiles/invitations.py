"""Collaboration invitations: sent to the owner of a claimed record (its receiver for good),
answered or withdrawn, and the receiver's blocks of a sender. The receiver's e-mail is in
mail.py."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from profiles.common import MESSAGE_LIMIT, require_live
from profiles.mail import mail_invitation
from profiles.models import CollaborationInvitation, InvitationBlock, InvitationState
from profiles.selectors import blocked_by_owner, has_verified_email
from publications.models import Author
from publications.permissions import require_signed_in


def invitation_lock_reason(*, author: Author, user=None) -> str:
    """Why invitations to this record are locked ("" when they are open to ``user``)."""
    if not author.claimed_by_id:
        return (
            "Invitations are locked: nobody has claimed this record yet, so there is no verified "
            "person to receive them."
        )
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.pk == author.claimed_by_id
    ):
        return "This is your own record."
    return ""


CONTACT_LIMIT = 200


def _clean_contact(contact: str, *, required: bool) -> str:
    contact = " ".join((contact or "").split())
    if required and not contact:
        raise ValidationError(
            "Say how the receiver can reach you once they accept (an e-mail address, a homepage)."
        )
    if len(contact) > CONTACT_LIMIT:
        raise ValidationError(f"The contact detail is limited to {CONTACT_LIMIT} characters.")
    return contact


@transaction.atomic
def invitation_send(
    *, sender, author: Author, message: str, contact: str = ""
) -> CollaborationInvitation:
    """Send a collaboration invitation to the owner of a claimed record, with the contact detail
    the sender chooses to show the receiver once they accept. The invitation belongs to that owner
    (its receiver) for good: a later owner of the record never reads it. Limits: one open
    invitation per sender and record (database constraint), BZPEER_INVITATIONS_PER_DAY per sender
    (counted under a lock on the sender row, so parallel sends cannot overshoot), no invitation
    when the owner blocked the sender. Running it twice is refused while the first is open."""
    require_signed_in(sender)
    if not has_verified_email(sender):
        raise ValidationError(
            "Verify your e-mail address first: invitations need a verified account."
        )
    # Read the record afresh: the caller's copy may predate a claim decision.
    author = Author.objects.select_related("claimed_by").get(pk=author.pk)
    require_live(author)
    if author.hidden:
        raise ValidationError("The owner of this record hid its page: it takes no invitations.")
    reason = invitation_lock_reason(author=author, user=sender)
    if reason:
        raise ValidationError(reason)
    if blocked_by_owner(sender=sender, author=author):
        raise ValidationError(
            f"The owner of {author.display_name} does not accept invitations from you."
        )
    message = (message or "").strip()
    if not message:
        raise ValidationError("Write a short message.")
    if len(message) > MESSAGE_LIMIT:
        raise ValidationError(f"The message is limited to {MESSAGE_LIMIT} characters.")
    contact = _clean_contact(contact, required=True)
    get_user_model().objects.select_for_update().filter(pk=sender.pk).first()
    since = timezone.now() - dt.timedelta(days=1)
    sent_today = CollaborationInvitation.objects.filter(
        sender=sender, created_at__gte=since
    ).count()
    if sent_today >= settings.BZPEER_INVITATIONS_PER_DAY:
        raise ValidationError(
            f"You can send {settings.BZPEER_INVITATIONS_PER_DAY} invitations a day; try tomorrow."
        )
    try:
        with transaction.atomic():
            invitation = CollaborationInvitation.objects.create(
                sender=sender,
                author=author,
                receiver_id=author.claimed_by_id,
                message=message,
                sender_contact=contact,
            )
    except IntegrityError:
        raise ValidationError("You already have an open invitation to this author.") from None
    mail_invitation(author=author, sender=sender, message=message)
    return invitation


@transaction.atomic
def invitation_answer(
    *, user, invitation: CollaborationInvitation, accept: bool, contact: str = ""
) -> CollaborationInvitation:
    """The receiver accepts (optionally with a contact detail shown to the sender) or declines.
    Running it twice is refused."""
    invitation = _lock_as_receiver(
        user, invitation, "Only the receiver of the invitation can answer it."
    )
    if accept:
        invitation.receiver_contact = _clean_contact(contact, required=False)
        invitation.save(update_fields=["receiver_contact"])
    _close_invitation(invitation, InvitationState.ACCEPTED if accept else InvitationState.DECLINED)
    return invitation


@transaction.atomic
def invitation_withdraw(*, user, invitation: CollaborationInvitation) -> CollaborationInvitation:
    """The sender withdraws an open invitation. Running it twice is refused."""
    require_signed_in(user)
    invitation = CollaborationInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.sender_id != user.pk:
        raise PermissionDenied("This is not your invitation.")
    _close_invitation(invitation, InvitationState.WITHDRAWN)
    return invitation


@transaction.atomic
def sender_block(*, user, invitation: CollaborationInvitation) -> InvitationBlock:
    """The receiver of an invitation blocks its sender: the invitation is declined and no new one
    can be sent to any record the receiver owns. Safe to run twice (one block row)."""
    invitation = _lock_as_receiver(
        user, invitation, "Only the receiver of an invitation can block its sender."
    )
    block, _ = InvitationBlock.objects.get_or_create(blocker=user, blocked_id=invitation.sender_id)
    if invitation.state == InvitationState.PENDING:
        _close_invitation(invitation, InvitationState.DECLINED)
    return block


@transaction.atomic
def sender_unblock(*, user, blocked_id: int) -> bool:
    """The receiver lifts a block; the sender may invite again. Returns whether a block was
    removed. Safe to run twice (the second removes nothing)."""
    require_signed_in(user)
    removed, _ = InvitationBlock.objects.filter(blocker=user, blocked_id=blocked_id).delete()
    return bool(removed)


def _lock_as_receiver(
    user, invitation: CollaborationInvitation, refusal: str
) -> CollaborationInvitation:
    """The invitation, locked, with its record; PermissionDenied(refusal) unless `user` is its
    receiver (the owner of the record when it was sent; not whoever owns the record now)."""
    require_signed_in(user)
    invitation = (
        CollaborationInvitation.objects.select_for_update(of=("self",))
        .select_related("author")
        .get(pk=invitation.pk)
    )
    if invitation.receiver_id is None or invitation.receiver_id != user.pk:
        raise PermissionDenied(refusal)
    return invitation


def _close_invitation(invitation: CollaborationInvitation, state: str) -> None:
    """Move a locked, open invitation to its final state; an answered one is refused."""
    if invitation.state != InvitationState.PENDING:
        raise ValidationError(
            f"This invitation is already {invitation.get_state_display().lower()}."
        )
    invitation.state = state
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["state", "answered_at"])
