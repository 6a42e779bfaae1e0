"""What a claim's evidence proves: the evidence a claimant gives, cleaned and graded (L3 or L2),
and the curators' table of institution e-mail domains that makes an institutional address strong
evidence. The pure checks (ORCID iD, registrable domain, free mail) are in profiles/evidence.py."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from profiles.common import MESSAGE_LIMIT
from profiles.evidence import (
    domain_matches_affiliations,
    is_free_mail,
    normalise_orcid,
    registrable_domain,
)
from profiles.models import InstitutionDomain
from profiles.selectors import institution_using_domain, record_affiliations
from publications.arxiv.ids import ARXIV_ID_RE
from publications.audit import record_event
from publications.models import Author, Institution, VerificationLevel
from publications.permissions import require_curator


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
                email, record_affiliations(author)
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
