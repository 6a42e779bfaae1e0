"""Writes on author records: follows, claims, owner edits, collaboration invitations.

Every function is @transaction.atomic and raises PermissionDenied (who) or ValidationError (what)
with a message a person can act on; nothing stored changes when it raises. Changes made by people
are recorded as CurationEvents; after commit ``profiles.signals.author_records_changed`` tells the
apps built on profiles (graph) which records to recompute.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from profiles import signals
from profiles.evidence import ARXIV_ID_RE, domain_matches_affiliations, normalise_orcid
from profiles.models import (
    Author,
    Claim,
    ClaimState,
    CollaborationInvitation,
    CurationEvent,
    Institution,
    InvitationBlock,
    InvitationState,
    VerificationLevel,
)
from profiles.names import name_key
from profiles.permissions import require_curator, require_owner, require_signed_in

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
BIO_LIMIT = 5000


def records_changed(author_ids) -> None:
    """Tell receivers (graph: counters and scores) after commit which records changed."""
    ids = sorted({int(i) for i in author_ids})
    if ids:
        transaction.on_commit(
            lambda: signals.author_records_changed.send(sender=Author, author_ids=ids)
        )


def record_event(
    *, actor, action: str, target_type: str, target_id, author=None, before=None, after=None,
    note: str = "",
) -> CurationEvent:
    return CurationEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        author=author,
        before=before or {},
        after=after or {},
        note=note,
    )


def _live(author: Author) -> None:
    if author.merged_into_id:
        raise ValidationError("This author record was merged into another one; use that record.")


# --- Following -------------------------------------------------------------------------------


@transaction.atomic
def follow_author(*, user, author: Author) -> bool:
    """Follow a record. Returns True when a new follow was created. Safe to run twice (and
    concurrently): the unique (user, author) row is inserted with ON CONFLICT DO NOTHING and the
    counter moves only when a row was inserted, in the same transaction, so it stays exact."""
    require_signed_in(user)
    _live(author)
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
    """Move the stored follower count by the one follow this transaction inserted or deleted
    (so concurrent follows never lose an update), and tell the graph after commit."""
    cursor.execute(
        "UPDATE profiles_author SET followers_count = followers_count + %s WHERE id = %s "
        "RETURNING followers_count",
        [delta, author.pk],
    )
    author.followers_count = cursor.fetchone()[0]
    records_changed([author.pk])


# --- Claims ----------------------------------------------------------------------------------


def has_verified_email(user) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _record_affiliations(author: Author) -> list[str]:
    # The record's affiliations as printed on its works. Read through the reverse relation so
    # profiles does not import publications.
    names = list(
        author.authorships.exclude(printed_affiliation="")
        .values_list("printed_affiliation", flat=True)
        .distinct()[:500]
    )
    if author.institution is not None:
        names.append(author.institution.name)
    return names


def clean_evidence(*, user, author: Author, evidence: dict) -> tuple[dict, int]:
    """Validate the evidence given with a claim; return it cleaned and the level it proves."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    cleaned: dict = {}
    level = VerificationLevel.L2
    orcid_raw = str(evidence.get("orcid") or "").strip()
    if orcid_raw:
        orcid = normalise_orcid(orcid_raw)
        if not orcid:
            raise ValidationError(f"{orcid_raw!r} is not a valid ORCID iD (0000-0000-0000-0000).")
        proven = SocialAccount.objects.filter(user=user, provider="orcid", uid=orcid).exists()
        cleaned["orcid"] = orcid
        cleaned["orcid_proven"] = proven
        if proven:
            level = VerificationLevel.L3
    email = str(evidence.get("email") or "").strip().lower()
    if email:
        verified = EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
        if not verified:
            raise ValidationError(
                f"{email} is not a verified address of your account; add and verify it under "
                "Account → E-mail first."
            )
        matches = domain_matches_affiliations(email, _record_affiliations(author))
        cleaned["email"] = email
        cleaned["email_matches_affiliation"] = matches
        if matches:
            level = VerificationLevel.L3
    message = str(evidence.get("message") or "").strip()
    if len(message) > MESSAGE_LIMIT:
        raise ValidationError(f"The message to curators is limited to {MESSAGE_LIMIT} characters.")
    if message:
        cleaned["message"] = message
    works = evidence.get("works") or []
    if isinstance(works, str):
        works = works.replace(",", " ").split()
    works = [str(w).strip() for w in works if str(w).strip()]
    bad = [w for w in works if not ARXIV_ID_RE.match(w)]
    if bad:
        raise ValidationError(f"Not arXiv ids: {', '.join(bad[:5])}.")
    if len(works) > 200:
        raise ValidationError("List at most 200 works.")
    if works:
        cleaned["works"] = sorted(set(works))
    if not cleaned:
        raise ValidationError(
            "Give some evidence: sign in with ORCID, an institutional e-mail, a message to the "
            "curators, or the works you recognise."
        )
    return cleaned, int(level)


@transaction.atomic
def claim_create(*, user, author: Author, evidence: dict) -> Claim:
    """A signed-in user with a verified e-mail claims a record. Strong (L3) evidence approves at
    once when the record is unclaimed; otherwise the claim waits for a curator. Not safe to run
    twice by design: the second call is refused while the first claim is pending."""
    require_signed_in(user)
    author = Author.objects.select_related("institution").get(pk=author.pk)
    _live(author)
    if not has_verified_email(user):
        raise PermissionDenied("Verify your e-mail address before claiming a record.")
    if author.claimed_by_id == user.pk:
        raise ValidationError("You already own this author record.")
    cleaned, level = clean_evidence(user=user, author=author, evidence=evidence)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                user=user, author=author, evidence=cleaned, evidence_level=level
            )
    except IntegrityError:
        raise ValidationError("You already have a pending claim on this record.") from None
    record_event(
        actor=user, action="claim_created", target_type="claim", target_id=claim.pk,
        author=author, after={"state": claim.state, "evidence_level": level},
    )
    # Lock the record so that of two strong claims made at once, one approves itself and the
    # other finds the record claimed and waits for a curator.
    claimed_by = (
        Author.objects.select_for_update().values_list("claimed_by_id", flat=True).get(pk=author.pk)
    )
    if level >= VerificationLevel.L3 and claimed_by is None:
        claim = _approve(claim, reviewer=None, level=level, actor=user)
    return claim


@transaction.atomic
def claim_withdraw(*, user, claim: Claim) -> Claim:
    """The claimant withdraws a pending claim, or gives up an approved one (the record becomes
    unclaimed again). Running it twice is refused: the claim is no longer pending/approved."""
    require_signed_in(user)
    claim = Claim.objects.select_for_update(of=("self",)).select_related("author").get(pk=claim.pk)
    if claim.user_id != user.pk:
        raise PermissionDenied("This is not your claim.")
    if claim.state not in (ClaimState.PENDING, ClaimState.APPROVED):
        raise ValidationError(f"This claim is already {claim.get_state_display().lower()}.")
    before = claim.state
    if claim.state == ClaimState.APPROVED:
        _release(claim.author)
    claim.state = ClaimState.WITHDRAWN
    claim.decided_at = timezone.now()
    claim.save(update_fields=["state", "decided_at"])
    record_event(
        actor=user, action="claim_withdrawn", target_type="claim", target_id=claim.pk,
        author=claim.author, before={"state": before}, after={"state": claim.state},
    )
    records_changed([claim.author_id])
    return claim


@transaction.atomic
def claim_approve(*, claim: Claim, reviewer, level: int | None = None) -> Claim:
    """A curator approves a pending claim: the record becomes the claimant's at ``level``
    (default L4, confirmed by a curator). At most one claim per record wins: the record row is
    locked and the database allows one approved claim per record. Running it twice is refused."""
    require_curator(reviewer)
    if level is not None and level not in (2, 3, 4):
        raise ValidationError("An approved claim has verification level 2, 3 or 4.")
    return _approve(claim, reviewer=reviewer, level=level or VerificationLevel.L4, actor=reviewer)


def _approve(claim: Claim, *, reviewer, level: int, actor) -> Claim:
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    author = Author.objects.select_for_update().get(pk=claim.author_id)
    if claim.state != ClaimState.PENDING:
        raise ValidationError(f"This claim is {claim.get_state_display().lower()}, not pending.")
    if author.claimed_by_id is not None:
        raise ValidationError(
            "This record is already claimed by another user; reject this claim, or reject the "
            "approved one first."
        )
    before = {"claimed_by": None, "verification_level": author.verification_level}
    claim.state = ClaimState.APPROVED
    claim.reviewer = reviewer
    claim.decided_at = timezone.now()
    try:
        with transaction.atomic():
            claim.save(update_fields=["state", "reviewer", "decided_at"])
    except IntegrityError:
        raise ValidationError("Another claim on this record was approved at the same time.") from None
    author.claimed_by_id = claim.user_id
    author.verification_level = level
    author.save(update_fields=["claimed_by", "verification_level", "updated_at"])
    claim.author = author
    record_event(
        actor=actor, action="claim_approved", target_type="claim", target_id=claim.pk,
        author=author, before=before,
        after={"claimed_by": claim.user_id, "verification_level": level,
               "automatic": reviewer is None},
    )
    _mail_claimant(claim, approved=True)
    records_changed([author.pk])
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, reviewer, reason: str) -> Claim:
    """A curator rejects a pending claim, or revokes an approved one (the record becomes
    unclaimed), with a reason the claimant reads. Running it twice is refused."""
    require_curator(reviewer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the claimant a reason for the rejection.")
    claim = Claim.objects.select_for_update(of=("self",)).select_related("author").get(pk=claim.pk)
    if claim.state not in (ClaimState.PENDING, ClaimState.APPROVED):
        raise ValidationError(f"This claim is already {claim.get_state_display().lower()}.")
    before = claim.state
    if claim.state == ClaimState.APPROVED:
        _release(claim.author)
    claim.state = ClaimState.REJECTED
    claim.reviewer = reviewer
    claim.reason = reason
    claim.decided_at = timezone.now()
    claim.save(update_fields=["state", "reviewer", "reason", "decided_at"])
    record_event(
        actor=reviewer, action="claim_rejected", target_type="claim", target_id=claim.pk,
        author=claim.author, before={"state": before}, after={"state": claim.state},
        note=reason,
    )
    _mail_claimant(claim, approved=False)
    records_changed([claim.author_id])
    return claim


def _release(author: Author) -> None:
    author = Author.objects.select_for_update().get(pk=author.pk)
    author.claimed_by = None
    author.verification_level = VerificationLevel.L1
    author.save(update_fields=["claimed_by", "verification_level", "updated_at"])


def _mail_claimant(claim: Claim, *, approved: bool) -> None:
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
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [recipient], fail_silently=False)
    )


# --- Owner edits -----------------------------------------------------------------------------


@transaction.atomic
def author_update(
    *, user, author: Author, bio: str, affiliation: str, open_to_collaborate: bool
) -> Author:
    """The owner edits bio, affiliation and "open to collaborate". Safe to run twice: the second
    run changes nothing and records no event."""
    require_owner(user, author)
    bio = (bio or "").strip()
    if len(bio) > BIO_LIMIT:
        raise ValidationError(f"The bio is limited to {BIO_LIMIT} characters.")
    affiliation = " ".join((affiliation or "").split())[:500]
    author = (
        Author.objects.select_for_update(of=("self",)).select_related("institution").get(pk=author.pk)
    )
    institution = None
    if affiliation:
        key = name_key(affiliation)[:500]
        if not key:
            raise ValidationError("The affiliation needs letters or digits.")
        institution, _ = Institution.objects.get_or_create(
            name_key=key, defaults={"name": affiliation}
        )
    before = {
        "bio": author.bio,
        "institution": author.institution.name if author.institution else "",
        "open_to_collaborate": author.open_to_collaborate,
    }
    after = {
        "bio": bio,
        "institution": institution.name if institution else "",
        "open_to_collaborate": bool(open_to_collaborate),
    }
    if before == after:
        return author
    author.bio = bio
    author.institution = institution
    author.open_to_collaborate = bool(open_to_collaborate)
    author.save(update_fields=["bio", "institution", "open_to_collaborate", "updated_at"])
    changed = {k for k in after if before[k] != after[k]}
    record_event(
        actor=user, action="author_edited", target_type="author", target_id=author.pk,
        author=author, before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
    )
    records_changed([author.pk])
    return author


@transaction.atomic
def merge_request(*, user, author: Author, other: Author, message: str = "") -> CurationEvent:
    """The owner of two records asks curators to merge ``other`` into ``author``. Recorded as a
    curation event curators act on. Running it twice records a second request."""
    require_owner(user, author)
    require_owner(user, other)
    if author.pk == other.pk:
        raise ValidationError("Choose two different records to merge.")
    _live(author)
    _live(other)
    return record_event(
        actor=user, action="merge_requested", target_type="author", target_id=other.pk,
        author=author, after={"merge": other.pk, "into": author.pk}, note=message[:MESSAGE_LIMIT],
    )


@transaction.atomic
def author_set_hidden(*, user, author: Author, hidden: bool) -> Author:
    """The owner hides their record's page (it answers 410 and leaves search, lists, the graph,
    feeds and the API; its works keep their printed names, unlinked) or shows it again. Safe to
    run twice: the second run changes nothing and records no event."""
    from django.core.cache import cache

    from profiles.selectors import VISIBILITY_KEY

    require_owner(user, author)
    author = Author.objects.select_for_update().get(pk=author.pk)
    require_owner(user, author)
    if author.hidden == hidden:
        return author
    author.hidden = hidden
    author.hidden_at = timezone.now() if hidden else None
    author.save(update_fields=["hidden", "hidden_at", "updated_at"])
    record_event(
        actor=user, action="author_hidden" if hidden else "author_shown", target_type="author",
        target_id=author.pk, author=author, before={"hidden": not hidden}, after={"hidden": hidden},
    )
    # The co-authors' pages link to this record from their works: their cached pages go too.
    co_authors = (
        Author.objects.filter(authorships__work__authorships__author=author)
        .values_list("pk", flat=True)
        .distinct()
    )
    records_changed([author.pk, *co_authors])

    def bump() -> None:
        cache.add(VISIBILITY_KEY, 0, None)
        cache.incr(VISIBILITY_KEY)

    transaction.on_commit(bump)
    return author


# --- Collaboration invitations ---------------------------------------------------------------


def invitation_lock_reason(*, author: Author, user=None) -> str:
    """Why invitations to this record are locked ("" when they are open to ``user``)."""
    if not author.claimed_by_id:
        return (
            "Invitations are locked: nobody has claimed this record yet, so there is no verified "
            "person to receive them."
        )
    if user is not None and getattr(user, "is_authenticated", False) and user.pk == author.claimed_by_id:
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


def blocked_by_owner(*, sender, author: Author) -> bool:
    """Whether the owner of `author` blocked invitations from `sender`. 1 query."""
    return InvitationBlock.objects.filter(blocker_id=author.claimed_by_id, blocked=sender).exists()


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
    # Read the record afresh: the caller's copy may predate a claim decision.
    author = Author.objects.select_related("claimed_by").get(pk=author.pk)
    _live(author)
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
    sent_today = CollaborationInvitation.objects.filter(sender=sender, created_at__gte=since).count()
    if sent_today >= settings.BZPEER_INVITATIONS_PER_DAY:
        raise ValidationError(
            f"You can send {settings.BZPEER_INVITATIONS_PER_DAY} invitations a day; try tomorrow."
        )
    try:
        with transaction.atomic():
            invitation = CollaborationInvitation.objects.create(
                sender=sender, author=author, receiver_id=author.claimed_by_id, message=message,
                sender_contact=contact,
            )
    except IntegrityError:
        raise ValidationError("You already have an open invitation to this author.") from None
    recipient = author.claimed_by.email if author.claimed_by else ""
    if recipient:
        # The sender's contact detail is not in the mail: the receiver sees it on accepting.
        subject = f"BZPEER: a collaboration invitation for {author.display_name}"
        body = f"{sender.get_username()} invites you to collaborate:\n\n{message}\n\n" \
               f"Answer it in your inbox: {settings.BZPEER_SITE_URL}/inbox/\n"
        transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))
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
        raise ValidationError(f"This invitation is already {invitation.get_state_display().lower()}.")
    invitation.state = state
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["state", "answered_at"])
