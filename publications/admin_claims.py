"""The claims queue: pending claims oldest first; each opens on a review page with the claimant,
the evidence, the record and its works, and approve / reject-with-a-reason buttons. Decisions go
through profiles/claims.py (claim_approve / claim_reject), which e-mail the claimant and write the
CurationEvent. Here (not in profiles/admin.py) because the review page shows works."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from profiles import claims as profile_claims
from profiles import selectors as profile_selectors
from profiles.evidence import is_free_mail
from profiles.models import Claim, ClaimState
from publications.models import Authorship, VerificationLevel, Work
from publications.permissions import is_curator

REVIEW_WORKS = 50


class ClaimStateFilter(admin.SimpleListFilter):
    """Pending claims unless asked otherwise: the queue is what curators open the page for."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*ClaimState.choices, ("all", "All")]

    def value(self):
        return super().value() or ClaimState.PENDING

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(state=self.value())


@admin.register(Claim)
class ClaimQueueAdmin(admin.ModelAdmin):
    # The age comes right after the claim: the last column of a wide queue is the one the
    # changelist's scrolling box cuts off.
    list_display = ["review", "waiting", "claimant", "record", "evidence_summary", "level", "state"]
    list_display_links = None
    list_filter = [ClaimStateFilter, "evidence_level"]
    list_select_related = ["user", "author"]
    search_fields = ["=author__slug", "=user__username", "=user__email"]
    show_full_result_count = False
    ordering = ["created_at", "id"]  # oldest first (claim_queue_idx: state, created_at)
    actions = ["approve_selected"]

    @admin.action(description="Approve selected claims (L4, confirmed by a curator)")
    def approve_selected(self, request: HttpRequest, queryset) -> None:
        """Bulk approval from the queue; a rejection needs its reason, so it is made on the
        claim's review page. Each claim goes through the service (checks, audit, e-mail)."""
        if not is_curator(request.user):
            raise PermissionDenied
        approved = 0
        for claim in queryset.filter(state="pending").select_related("author", "user"):
            try:
                profile_claims.claim_approve(claim=claim, reviewer=request.user)
                approved += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(
                    request, f"Claim {claim.pk} ({claim.author}): {text}", messages.ERROR
                )
        if approved:
            self.message_user(request, f"{approved} claim(s) approved.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False  # people claim from the profile page

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="claim")
    def review(self, claim: Claim):
        return format_html(
            '<a class="review-link" href="{}">Review #{}</a>',
            reverse("admin:profiles_claim_change", args=[claim.pk]),
            claim.pk,
        )

    @admin.display(description="claimant")
    def claimant(self, claim: Claim) -> str:
        return f"{claim.user.get_username()} <{claim.user.email}>"

    @admin.display(description="author record")
    def record(self, claim: Claim):
        return format_html(
            '<a href="{}">{}</a> ({} works)',
            claim.author.get_absolute_url(),
            claim.author.display_name,
            claim.author.works_count,
        )

    @admin.display(description="evidence")
    def evidence_summary(self, claim: Claim) -> str:
        return evidence_summary(claim.evidence)

    @admin.display(description="waiting", ordering="created_at")
    def waiting(self, claim: Claim) -> str:
        """ "3 days" on one line, the exact time on hover."""
        end = claim.decided_at or timezone.now()
        return format_html(
            '<span class="claim-age" title="since {}" style="white-space: nowrap">{}</span>',
            claim.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            timesince(claim.created_at, end, depth=1),
        )

    @admin.display(description="level", ordering="evidence_level")
    def level(self, claim: Claim) -> str:
        return format_html(
            '<span title="{}">L{}</span>', claim.get_evidence_level_display(), claim.evidence_level
        )

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        """A claim opens on its review page; decisions are POSTed to it."""
        claim = get_object_or_404(
            Claim.objects.select_related("user", "author", "reviewer"), pk=object_id
        )
        if not self.has_view_or_change_permission(request, claim):
            raise PermissionDenied
        error = None
        if request.method == "POST":
            response, error = self._decide(request, claim)
            if response is not None:
                return response
        return TemplateResponse(
            request, "admin/curation/claim_review.html", self._review_context(request, claim, error)
        )

    def _decide(self, request: HttpRequest, claim: Claim) -> tuple[HttpResponse | None, str | None]:
        if not is_curator(request.user):
            raise PermissionDenied
        try:
            if "approve" in request.POST:
                level = request.POST.get("level", "")
                domain_for = request.POST.get("record_domain_for", "")
                domain_pk = (
                    int(domain_for)
                    if domain_for.isascii() and domain_for.isdigit() and len(domain_for) < 12
                    else None
                )
                profile_claims.claim_approve(
                    claim=claim,
                    reviewer=request.user,
                    level=int(level)
                    if level.isascii() and level.isdigit() and len(level) < 3
                    else None,
                    record_domain_for=domain_pk,
                )
                done = f"Approved the claim of {claim.user} on {claim.author}; they were e-mailed."
                if domain_pk is not None:
                    done += f" {claim.evidence.get('email_domain', '')} is now an institution e-mail domain."
            elif "dispute_seen" in request.POST:
                profile_claims.claim_mark_disputed(claim=claim, reviewer=request.user)
                done = (
                    f"The claim of {claim.user} on {claim.author} stays open as a dispute; it "
                    "now counts against the record's trust score."
                )
            elif "reject" in request.POST:
                profile_claims.claim_reject(
                    claim=claim, reviewer=request.user, reason=request.POST.get("reason", "")
                )
                done = f"Rejected the claim of {claim.user} on {claim.author}; they were e-mailed."
            else:
                return None, "Choose approve or reject."
        except ValidationError as exc:
            return None, " ".join(exc.messages)
        except PermissionDenied as exc:  # a curator with a stake in the claim
            return None, str(exc)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:profiles_claim_changelist")), None

    def _review_context(self, request: HttpRequest, claim: Claim, error: str | None) -> dict:
        """The review page's data. 5 queries after the claim: the record's works (one page),
        the works the claimant listed, which of those are on the record, other claims."""
        author = claim.author
        works = list(
            Work.objects.filter(authorships__author=author)
            .select_related("primary_topic")
            .order_by("-first_submitted", "-id")
            .distinct()[:REVIEW_WORKS]
        )
        listed_ids = [str(w) for w in claim.evidence.get("works", [])][:200]
        listed = {w.arxiv_id: w for w in Work.objects.filter(arxiv_id__in=listed_ids)}
        on_record = set(
            Authorship.objects.filter(author=author, work__arxiv_id__in=listed_ids).values_list(
                "work__arxiv_id", flat=True
            )
        )
        others = list(
            Claim.objects.select_related("user")
            .filter(author=author)
            .exclude(pk=claim.pk)
            .order_by("created_at")[:20]
        )
        email_domain = claim.evidence.get("email_domain", "")
        is_pending = claim.state == ClaimState.PENDING
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Claim #{claim.pk}: {claim.user} on {author.display_name}",
            "claim": claim,
            "author": author,
            "works": works,
            "works_limit": REVIEW_WORKS,
            "listed": [(i, listed.get(i), i in on_record) for i in listed_ids],
            "others": others,
            "error": error,
            "is_pending": is_pending,
            "can_decide": is_curator(request.user),
            # A curator's own claim, or one on a record they own or claim, is another curator's.
            "own_stake": claim.user_id == request.user.pk
            or author.claimed_by_id == request.user.pk
            or any(c.user_id == request.user.pk and c.state == ClaimState.PENDING for c in others),
            # Approving can record the claimant's e-mail domain for one of the record's
            # institutions (offered when the domain is not known to be theirs yet).
            "email_domain": email_domain,
            "domain_institutions": (
                profile_selectors.record_institutions(author=author)
                if is_pending
                and email_domain
                and not claim.evidence.get("email_institution")
                and not is_free_mail(email_domain)
                else []
            ),
            "can_mark_dispute": is_pending
            and claim.dispute_seen_at is None
            and profile_selectors.claim_has_other_party(claim),
            "levels": [(v, label) for v, label in VerificationLevel.choices if v >= 2],
            "waiting": timesince(claim.created_at, claim.decided_at or timezone.now()),
        }


def evidence_summary(evidence: dict) -> str:
    parts = []
    if evidence.get("orcid"):
        parts.append(
            f"ORCID {evidence['orcid']}"
            + (" (proven)" if evidence.get("orcid_proven") else " (not proven)")
        )
    if evidence.get("email"):
        if evidence.get("email_institution"):
            note = f" (a domain of {evidence['email_institution']})"
        elif evidence.get("email_resembles_affiliation"):
            note = " (domain resembles an affiliation; not a recorded domain)"
        elif evidence.get("email_matches_affiliation"):  # claims made before the domain table
            note = " (matches an affiliation)"
        else:
            note = ""
        parts.append(f"{evidence['email']}{note}")
    if evidence.get("works"):
        parts.append(f"{len(evidence['works'])} work(s) listed")
    if evidence.get("message"):
        parts.append(f"“{evidence['message'][:80]}”")
    return "; ".join(parts) or "—"
