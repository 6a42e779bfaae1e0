"""Claims on author records: a person claims a record (strong evidence approves at once), a curator
approves, rejects or marks a contested claim as an open dispute, and the claimant withdraws. The
evidence is cleaned and graded in claim_evidence.py; the claimant's e-mail is in mail.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from profiles.claim_evidence import clean_evidence, institution_domain_add
from profiles.common import records_changed, require_live
from profiles.evidence import registrable_domain
from profiles.mail import mail_claim_decision
from profiles.models import Claim, ClaimState
from profiles.ratelimit import require as rate_limit
from profiles.selectors import claim_has_other_party, has_verified_email, record_institutions
from publications import author_records
from publications.audit import record_event
from publications.models import Author, Institution, VerificationLevel
from publications.permissions import is_curator, require_curator, require_signed_in


@transaction.atomic
def claim_create(*, user, author: Author, evidence: dict) -> Claim:
    """A signed-in user with a verified e-mail claims a record. Strong (L3) evidence approves at
    once when the record is unclaimed and the claimant is not a curator (a curator's claim needs
    another curator); otherwise the claim waits for a curator. Every path (pages, API) counts
    against BZPEER_RATE_CLAIM per user and BZPEER_CLAIMS_PENDING_MAX waiting claims. Not safe to
    run twice by design: the second call is refused while the first claim is pending."""
    require_signed_in(user)
    rate_limit(
        "claim",
        str(user.pk),
        settings.BZPEER_RATE_CLAIM,
        "You have made too many claims in a short time; try again later.",
    )
    author = Author.objects.select_related("institution").get(pk=author.pk)
    require_live(author)
    if not has_verified_email(user):
        raise PermissionDenied("Verify your e-mail address before claiming a record.")
    if author.claimed_by_id == user.pk:
        raise ValidationError("You already own this author record.")
    cleaned, level = clean_evidence(user=user, author=author, evidence=evidence)
    # Count the waiting claims under a lock on the user row, so parallel claims cannot overshoot.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    waiting = Claim.objects.filter(user=user, state=ClaimState.PENDING).aggregate(
        total=Count("id"), here=Count("id", filter=Q(author=author))
    )
    if waiting["here"]:
        raise ValidationError("You already have a pending claim on this record.")
    if waiting["total"] >= settings.BZPEER_CLAIMS_PENDING_MAX:
        raise ValidationError(
            f"You have {settings.BZPEER_CLAIMS_PENDING_MAX} claims waiting for the curators; "
            "wait for their decision or withdraw one before claiming another record."
        )
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                user=user, author=author, evidence=cleaned, evidence_level=level
            )
    except IntegrityError:
        raise ValidationError("You already have a pending claim on this record.") from None
    record_event(
        actor=user,
        action="claim_created",
        target_type="claim",
        target_id=claim.pk,
        author=author,
        after={"state": claim.state, "evidence_level": level},
    )
    # Lock the record so that of two strong claims made at once, one approves itself and the
    # other finds the record claimed and waits for a curator.
    claimed_by = (
        Author.objects.select_for_update().values_list("claimed_by_id", flat=True).get(pk=author.pk)
    )
    if level >= VerificationLevel.L3 and claimed_by is None and not is_curator(user):
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
        actor=user,
        action="claim_withdrawn",
        target_type="claim",
        target_id=claim.pk,
        author=claim.author,
        before={"state": before},
        after={"state": claim.state},
    )
    records_changed([claim.author_id])
    return claim


def _require_independent_reviewer(claim: Claim, reviewer) -> None:
    """A curator never decides a claim they have a stake in: their own claim, a claim on a record
    they own, or a claim competing with their own pending claim. Another curator decides."""
    if claim.user_id == reviewer.pk:
        raise PermissionDenied("A claim by a curator needs another curator: ask a colleague.")
    author_owner = Author.objects.values_list("claimed_by_id", flat=True).get(pk=claim.author_id)
    if (
        author_owner == reviewer.pk
        or Claim.objects.filter(
            author_id=claim.author_id, user=reviewer, state=ClaimState.PENDING
        ).exists()
    ):
        raise PermissionDenied(
            "You own or claim this record: another curator decides the claims on it."
        )


@transaction.atomic
def claim_approve(
    *, claim: Claim, reviewer, level: int | None = None, record_domain_for: int | None = None
) -> Claim:
    """A curator approves a pending claim: the record becomes the claimant's at ``level``
    (default L4, confirmed by a curator). At most one claim per record wins: the record row is
    locked and the database allows one approved claim per record. Running it twice is refused.

    ``record_domain_for``: an institution (id) of the record whose e-mail domain the curator
    confirms with this decision; the claimant's verified e-mail domain is then added to the
    institution e-mail domains, so later claims from it are L3 at once."""
    require_curator(reviewer)
    if level is not None and level not in (2, 3, 4):
        raise ValidationError("An approved claim has verification level 2, 3 or 4.")
    _require_independent_reviewer(claim, reviewer)
    claim = _approve(claim, reviewer=reviewer, level=level or VerificationLevel.L4, actor=reviewer)
    if record_domain_for is not None:
        domain = str(
            claim.evidence.get("email_domain")
            or registrable_domain(str(claim.evidence.get("email") or ""))
        )
        if not domain:
            raise ValidationError(
                "This claim gives no e-mail address whose domain could be recorded."
            )
        if record_domain_for not in {i.pk for i in record_institutions(author=claim.author)}:
            raise ValidationError("Choose one of the record's institutions for the e-mail domain.")
        institution_domain_add(
            user=reviewer,
            institution=Institution.objects.get(pk=record_domain_for),
            domain=domain,
            note=f"confirmed with claim #{claim.pk}",
        )
    return claim


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
    claim.granted_level = level
    try:
        with transaction.atomic():
            claim.save(update_fields=["state", "reviewer", "decided_at", "granted_level"])
    except IntegrityError:
        raise ValidationError(
            "Another claim on this record was approved at the same time."
        ) from None
    author_records.set_owner(author, user_id=claim.user_id, level=level)
    claim.author = author
    record_event(
        actor=actor,
        action="claim_approved",
        target_type="claim",
        target_id=claim.pk,
        author=author,
        before=before,
        after={
            "claimed_by": claim.user_id,
            "verification_level": level,
            "automatic": reviewer is None,
        },
    )
    mail_claim_decision(claim, approved=True)
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
    _require_independent_reviewer(claim, reviewer)
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
        actor=reviewer,
        action="claim_rejected",
        target_type="claim",
        target_id=claim.pk,
        author=claim.author,
        before={"state": before},
        after={"state": claim.state},
        note=reason,
    )
    mail_claim_decision(claim, approved=False)
    records_changed([claim.author_id])
    return claim


@transaction.atomic
def claim_mark_disputed(*, claim: Claim, reviewer) -> Claim:
    """A curator has looked at a pending claim that contests another person's and keeps it open
    as a dispute: from now on it lowers the record's trust score (unseen claims never do, so
    throwaway accounts cannot lower a score). Running it twice is refused."""
    require_curator(reviewer)
    _require_independent_reviewer(claim, reviewer)
    claim = Claim.objects.select_for_update(of=("self",)).select_related("author").get(pk=claim.pk)
    if claim.state != ClaimState.PENDING:
        raise ValidationError(f"This claim is {claim.get_state_display().lower()}, not pending.")
    if claim.dispute_seen_at is not None:
        raise ValidationError("This claim is already marked as an open dispute.")
    if not claim_has_other_party(claim):
        raise ValidationError(
            "Nobody else owns or claims this record, so there is no dispute: approve or reject it."
        )
    claim.dispute_seen_at = timezone.now()
    claim.dispute_seen_by = reviewer
    claim.save(update_fields=["dispute_seen_at", "dispute_seen_by"])
    record_event(
        actor=reviewer,
        action="claim_dispute_seen",
        target_type="claim",
        target_id=claim.pk,
        author=claim.author,
        after={"dispute_seen": True},
    )
    records_changed([claim.author_id])
    return claim


def _release(author: Author) -> None:
    author = Author.objects.select_for_update().get(pk=author.pk)
    author_records.release_owner(author)
