"""Writes on author records: follows, claims, owner edits, collaboration invitations.

Every function is @transaction.atomic and raises PermissionDenied (who) or ValidationError (what)
with a message a person can act on; nothing stored changes when it raises. Changes made by people
are recorded as CurationEvents; after commit ``publications.signals.author_records_changed`` tells
the apps built on them (graph, the page caches) which records to recompute.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from profiles.evidence import (
    domain_matches_affiliations,
    is_free_mail,
    normalise_orcid,
    registrable_domain,
)
from profiles.models import (
    Claim,
    ClaimState,
    CollaborationInvitation,
    InstitutionDomain,
    InvitationBlock,
    InvitationState,
)
from profiles.ratelimit import require as rate_limit
from publications import author_records, signals
from publications.arxiv.ids import ARXIV_ID_RE
from publications.audit import record_event
from publications.models import Author, CurationEvent, Institution, VerificationLevel
from publications.names import name_key
from publications.permissions import is_curator, require_curator, require_owner, require_signed_in

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
BIO_LIMIT = 5000


def records_changed(author_ids) -> None:
    """Tell receivers (graph: counters and scores) after commit which records changed."""
    ids = sorted({int(i) for i in author_ids})
    if ids:
        signals.author_records_changed_on_commit(ids, authorships_changed=False, sender=Author)


VERIFY_EMAIL_FIRST = (
    "Verify your e-mail address first: follow the link we sent you when you signed up."
)


def _live(author: Author) -> None:
    if author.merged_into_id:
        raise ValidationError("This author record was merged into another one; use that record.")


# --- Following -------------------------------------------------------------------------------


@transaction.atomic
def follow_author(*, user, author: Author) -> bool:
    """Follow a record. Returns True when a new follow was created. Safe to run twice (and
    concurrently): the unique (user, author) row is inserted with ON CONFLICT DO NOTHING and the
    counter moves only when a row was inserted, in the same transaction, so it stays exact.
    A follow moves the record's trust score: only accounts with a verified e-mail address count."""
    require_signed_in(user)
    _live(author)
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


# --- Claims ----------------------------------------------------------------------------------


def has_verified_email(user) -> bool:
    """1 query, remembered on the user object (one request asks the API's permission and then
    the service)."""
    from allauth.account.models import EmailAddress

    known = getattr(user, "_has_verified_email", None)
    if known is None:
        known = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._has_verified_email = known
    return known


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


def institution_using_domain(*, author: Author, domain: str) -> InstitutionDomain | None:
    """The curators' entry saying that an institution of this record (on its works, or its
    profile affiliation) uses ``domain`` for e-mail; None when there is none. 1 query."""
    if not domain:
        return None
    authorship = apps.get_model("publications", "Authorship")
    on_record = Q(
        Exists(
            authorship.objects.filter(
                author_id=author.pk, institution_id=OuterRef("institution_id")
            )
        )
    )
    if author.institution_id:
        on_record |= Q(institution_id=author.institution_id)
    return (
        InstitutionDomain.objects.select_related("institution")
        .filter(on_record, domain=domain)
        .order_by("pk")
        .first()
    )


def clean_evidence(*, user, author: Author, evidence: dict) -> tuple[dict, int]:
    """Validate the evidence given with a claim; return it cleaned and the level it proves.

    L3 (approved at once on an unclaimed record) needs an ORCID iD proven by ORCID sign-in, or a
    verified e-mail address whose registrable domain the curators recorded for an institution of
    this record. Anything else waits for a curator."""
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
        verified = EmailAddress.objects.filter(
            user=user, email__iexact=email, verified=True
        ).exists()
        if not verified:
            raise ValidationError(
                f"{email} is not a verified address of your account; add and verify it under "
                "Account → E-mail first."
            )
        domain = registrable_domain(email)
        cleaned["email"] = email
        cleaned["email_domain"] = domain
        known = (
            None if is_free_mail(domain) else institution_using_domain(author=author, domain=domain)
        )
        if known is not None:
            cleaned["email_institution"] = known.institution.name
            level = VerificationLevel.L3
        else:
            # A hint for the curators only: anyone can register a domain that looks right.
            cleaned["email_resembles_affiliation"] = domain_matches_affiliations(
                email, _record_affiliations(author)
            )
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
        works = sorted(set(works))
        # Read through the model registry so profiles does not import publications.
        work_model = apps.get_model("publications", "Work")
        known_ids = set(
            work_model.objects.filter(arxiv_id__in=works).values_list("arxiv_id", flat=True)
        )
        missing = [w for w in works if w not in known_ids]
        if missing:
            raise ValidationError(
                f"Not in BZPEER: {', '.join(missing[:5])}"
                + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                + ". List works that are on BZPEER (the record's works are listed on this page)."
            )
        cleaned["works"] = works
    if not cleaned:
        raise ValidationError(
            "Give some evidence: sign in with ORCID, an institutional e-mail, a message to the "
            "curators, or the works you recognise."
        )
    return cleaned, int(level)


def pending_claim(*, user, author: Author) -> Claim | None:
    """The user's claim on this record that waits for the curators, if any. 1 query."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Claim.objects.filter(user=user, author=author, state=ClaimState.PENDING).first()


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
    _live(author)
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
    _mail_claimant(claim, approved=False)
    records_changed([claim.author_id])
    return claim


def claim_has_other_party(claim: Claim) -> bool:
    """Whether a pending claim contests someone else's: the record is owned by another person, or
    another person also has a pending claim on it. 1 query."""
    return (
        Author.objects.filter(pk=claim.author_id)
        .filter(
            Q(claimed_by__isnull=False) & ~Q(claimed_by_id=claim.user_id)
            | Exists(
                Claim.objects.filter(author_id=OuterRef("pk"), state=ClaimState.PENDING).exclude(
                    user_id=claim.user_id
                )
            )
        )
        .exists()
    )


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


# --- Institution e-mail domains --------------------------------------------------------------


def record_institutions(*, author: Author) -> list[Institution]:
    """The institutions of a record: its profile affiliation and those printed on its works."""
    authorship = apps.get_model("publications", "Authorship")
    on_works = authorship.objects.filter(author_id=author.pk, institution_id__isnull=False)
    return list(
        Institution.objects.filter(
            Q(pk=author.institution_id) | Q(pk__in=on_works.values("institution_id"))
        ).order_by("name")[:50]
    )


def clean_institution_domain(domain: str) -> str:
    """The registrable domain a curator may record for an institution, or ValidationError."""
    raw = (domain or "").strip().lower()
    value = registrable_domain(raw)
    if not value:
        raise ValidationError(
            f"{raw!r} is not a domain name with a registrable part (e.g. psu.edu)."
        )
    if value != raw.rstrip(".") and value != raw.rstrip(".").encode("idna").decode("ascii"):
        raise ValidationError(
            f"Record the registrable domain {value}, not {raw}: addresses at every sub-domain of "
            f"{value} count."
        )
    if is_free_mail(value):
        raise ValidationError(f"{value} is a public mail provider, not an institution's domain.")
    return value


@transaction.atomic
def institution_domain_add(
    *, user, institution: Institution, domain: str, note: str = ""
) -> InstitutionDomain:
    """A curator records that ``institution`` uses ``domain`` for e-mail. Safe to run twice: the
    second run changes nothing and records no event."""
    require_curator(user)
    domain = clean_institution_domain(domain)
    entry, created = InstitutionDomain.objects.get_or_create(
        institution=institution, domain=domain, defaults={"added_by": user, "note": note[:500]}
    )
    if created:
        record_event(
            actor=user,
            action="institution_domain_added",
            target_type="institution",
            target_id=institution.pk,
            after={"domain": domain, "institution": institution.name},
            note=note[:500],
        )
    return entry


@transaction.atomic
def institution_domain_change(
    *, user, entry: InstitutionDomain, institution: Institution, domain: str, note: str = ""
) -> InstitutionDomain:
    """A curator corrects an entry (domain, institution or note); audited."""
    require_curator(user)
    domain = clean_institution_domain(domain)
    entry = (
        InstitutionDomain.objects.select_for_update().select_related("institution").get(pk=entry.pk)
    )
    before = {"domain": entry.domain, "institution": entry.institution.name, "note": entry.note}
    after = {"domain": domain, "institution": institution.name, "note": note[:500]}
    if before == after:
        return entry
    if (
        InstitutionDomain.objects.filter(institution=institution, domain=domain)
        .exclude(pk=entry.pk)
        .exists()
    ):
        raise ValidationError(f"{domain} is already recorded for {institution.name}.")
    entry.domain, entry.institution, entry.note = domain, institution, note[:500]
    entry.save(update_fields=["domain", "institution", "note"])
    record_event(
        actor=user,
        action="institution_domain_changed",
        target_type="institution",
        target_id=institution.pk,
        before=before,
        after=after,
    )
    return entry


@transaction.atomic
def institution_domain_remove(*, user, entry: InstitutionDomain) -> None:
    """A curator removes an entry; claims already approved stay approved. Audited."""
    require_curator(user)
    entry = InstitutionDomain.objects.select_related("institution").get(pk=entry.pk)
    record_event(
        actor=user,
        action="institution_domain_removed",
        target_type="institution",
        target_id=entry.institution_id,
        before={"domain": entry.domain, "institution": entry.institution.name},
    )
    entry.delete()


def _release(author: Author) -> None:
    author = Author.objects.select_for_update().get(pk=author.pk)
    author_records.release_owner(author)


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
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient], fail_silently=False))


# --- Owner edits -----------------------------------------------------------------------------


def clean_homepage(value: str) -> str:
    """An owner's homepage: empty, or an http(s) URL of at most 500 characters."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 500:
        raise ValidationError("The homepage address is limited to 500 characters.")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            "The homepage must be a web address starting with http:// or https://."
        ) from None
    return value


@transaction.atomic
def author_update(
    *,
    user,
    author: Author,
    bio: str,
    affiliation: str,
    open_to_collaborate: bool,
    homepage: str | None = None,
) -> Author:
    """The owner edits bio, affiliation, homepage and "open to collaborate" (homepage None keeps
    it). Safe to run twice: the second run changes nothing and records no event."""
    require_owner(user, author)
    bio = (bio or "").strip()
    if len(bio) > BIO_LIMIT:
        raise ValidationError(f"The bio is limited to {BIO_LIMIT} characters.")
    homepage = author.homepage if homepage is None else clean_homepage(homepage)
    affiliation = " ".join((affiliation or "").split())[:500]
    author = (
        Author.objects.select_for_update(of=("self",))
        .select_related("institution")
        .get(pk=author.pk)
    )
    institution = None
    if affiliation:
        key = name_key(affiliation)[:500]
        if not key:
            raise ValidationError("The affiliation needs letters or digits.")
        institution = author_records.institution_for_name(affiliation, key=key)
    before = {
        "bio": author.bio,
        "institution": author.institution.name if author.institution else "",
        "open_to_collaborate": author.open_to_collaborate,
        "homepage": author.homepage,
    }
    after = {
        "bio": bio,
        "institution": institution.name if institution else "",
        "open_to_collaborate": bool(open_to_collaborate),
        "homepage": homepage,
    }
    if before == after:
        return author
    author_records.set_owner_fields(
        author,
        bio=bio,
        institution=institution,
        open_to_collaborate=bool(open_to_collaborate),
        homepage=homepage,
    )
    changed = {k for k in after if before[k] != after[k]}
    record_event(
        actor=user,
        action="author_edited",
        target_type="author",
        target_id=author.pk,
        author=author,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    records_changed([author.pk])
    return author


@transaction.atomic
def merge_request(*, user, author: Author, other: Author, message: str = "") -> CurationEvent:
    """The owner of two records asks curators to merge ``other`` into ``author``. Recorded as a
    curation event curators act on. Running it twice is refused while the first request for the
    same two records (either way round) is pending: not followed by a merge or an undo."""
    require_owner(user, author)
    require_owner(user, other)
    if author.pk == other.pk:
        raise ValidationError("Choose two different records to merge.")
    # Lock both records (in id order) so two requests sent at once cannot both pass the check.
    locked = {
        a.pk: a
        for a in Author.objects.select_for_update()
        .filter(pk__in=[author.pk, other.pk])
        .order_by("pk")
    }
    author, other = locked[author.pk], locked[other.pk]
    require_owner(user, author)
    require_owner(user, other)
    _live(author)
    _live(other)
    if merge_request_pending(first=author.pk, second=other.pk):
        raise ValidationError(
            "You already asked the curators to merge these two records; they will review it."
        )
    return record_event(
        actor=user,
        action="merge_requested",
        target_type="author",
        target_id=other.pk,
        author=author,
        after={"merge": other.pk, "into": author.pk},
        note=message[:MESSAGE_LIMIT],
    )


def merge_request_pending(*, first: int, second: int) -> bool:
    """Whether a request to merge these two records (either way round) waits for curators: made
    after the last merge or undo of either record. 2 queries (curation_target_idx)."""
    targets = [str(first), str(second)]
    done = (
        CurationEvent.objects.filter(
            target_type="author", target_id__in=targets, action__in=["merge", "unmerge"]
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    requests = CurationEvent.objects.filter(
        target_type="author",
        target_id__in=targets,
        action="merge_requested",
        after__merge__in=[first, second],
        after__into__in=[first, second],
    )
    if done is not None:
        requests = requests.filter(created_at__gt=done)
    return requests.exists()


@transaction.atomic
def author_set_hidden(*, user, author: Author, hidden: bool) -> Author:
    """The owner hides their record's page (it answers 410 and leaves search, lists, the graph,
    feeds and the API; its works keep their printed names, unlinked) or shows it again. Safe to
    run twice: the second run changes nothing and records no event."""
    require_owner(user, author)
    author = Author.objects.select_for_update().get(pk=author.pk)
    require_owner(user, author)
    if author.hidden == hidden:
        return author
    author_records.set_hidden(author, hidden=hidden, now=timezone.now())
    record_event(
        actor=user,
        action="author_hidden" if hidden else "author_shown",
        target_type="author",
        target_id=author.pk,
        author=author,
        before={"hidden": not hidden},
        after={"hidden": hidden},
    )
    # The co-authors' pages link to this record from their works: their cached pages go too.
    co_authors = (
        Author.objects.filter(authorships__work__authorships__author=author)
        .values_list("pk", flat=True)
        .distinct()
    )
    records_changed([author.pk, *co_authors])
    return author


# --- Collaboration invitations ---------------------------------------------------------------


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
    if not has_verified_email(sender):
        raise ValidationError(
            "Verify your e-mail address first: invitations need a verified account."
        )
    # Read the record afresh: the caller's copy may predate a claim decision.
    author = Author.objects.select_related("claimed_by").get(pk=author.pk)
    _live(author)
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
    recipient = author.claimed_by.email if author.claimed_by else ""
    if recipient:
        # The sender's contact detail is not in the mail: the receiver sees it on accepting.
        subject = f"BZPEER: a collaboration invitation for {author.display_name}"
        body = (
            f"{sender.get_username()} invites you to collaborate:\n\n{message}\n\n"
            f"Answer it in your inbox: {settings.BZPEER_SITE_URL}/inbox/\n"
        )
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
        raise ValidationError(
            f"This invitation is already {invitation.get_state_display().lower()}."
        )
    invitation.state = state
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["state", "answered_at"])
