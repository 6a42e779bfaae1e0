"""The curators' queue of the identity engine's uncertain cases: its proposals (a claimed or
curated record was involved, so nothing moved: to merge records, or to split one that holds
several people) and the merges and splits it made with low confidence, biggest first (works of
the records involved), with the evidence. Accept merges a proposal, splits a split proposal (or
keeps a merge or split); reject is stored, so the engine never proposes it again (and a merge or
split is undone). A curator who owns or claims one of the records cannot decide it. The services are in publications/identity_review.py; every action needs
``profiles.curate_author``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models.expressions import RawSQL
from django.utils.html import format_html, format_html_join

from profiles.admin import EstimatedCountPaginator
from profiles.curators import CURATE_PERMISSION
from publications import identity_review
from publications.admin_authors import QueueFilter
from publications.curation import CurationError
from publications.models import Author, IdentityDecision, author_url

# The records of a decision (with their works) and their total, read with the list (no query
# per row).
WORKS_INVOLVED = (
    "SELECT COALESCE(SUM(a.works_count), 0) FROM {table} a "
    "WHERE a.id = ANY(publications_identitydecision.records)"
)
RECORDS_SHOWN = (
    "SELECT json_agg(json_build_array(a.id, a.slug, a.works_count, a.claimed_by_id IS NOT NULL)) "
    "FROM {table} a WHERE a.id = ANY(publications_identitydecision.records)"
)


class IdentityQueueFilter(QueueFilter):
    """The queue shows what waits for a curator unless asked for what people decided."""

    title = "review"
    parameter_name = "review"
    default = "open"

    def lookups(self, request, model_admin):
        return [
            ("open", "Waiting for a curator"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
            ("all", "Every decision of the engine"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.filter(identity_review.UNCERTAIN)
        if value in ("accepted", "rejected"):
            return queryset.filter(review=value)
        return queryset


@admin.register(IdentityDecision)
class IdentityDecisionAdmin(admin.ModelAdmin):
    list_display = [
        "records_shown",
        "kind",
        "confidence_shown",
        "works_involved",
        "reason",
        "state",
    ]
    list_display_links = None
    list_filter = [IdentityQueueFilter, "kind"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    actions = ["accept", "reject"]
    fields = ("kind", "records_shown", "reason", "evidence", "confidence", "created_at", "state")
    readonly_fields = fields

    def get_queryset(self, request):
        table = Author._meta.db_table
        return (
            super()
            .get_queryset(request)
            .annotate(
                works_involved=RawSQL(WORKS_INVOLVED.format(table=table), []),
                records_info=RawSQL(RECORDS_SHOWN.format(table=table), []),
            )
            .order_by("-works_involved", "-id")
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_curate_permission(self, request) -> bool:
        return request.user.has_perm(CURATE_PERMISSION)

    def get_actions(self, request):
        # Actions normally need the change permission; here they need curate_author only.
        actions = super().get_actions(request)
        return actions if self.has_curate_permission(request) else {}

    @admin.display(description="records (kept first)")
    def records_shown(self, decision):
        info = {row[0]: row for row in decision.records_info or []}
        return format_html_join(
            " ← ",
            '<a href="{}">{}</a> ({} works{})',
            (
                (author_url(slug), slug, works, ", claimed" if claimed else "")
                for _, slug, works, claimed in (info[r] for r in decision.records if r in info)
            ),
        )

    @admin.display(description="works", ordering="works_involved")
    def works_involved(self, decision) -> int:
        return decision.works_involved

    @admin.display(description="confidence", ordering="confidence")
    def confidence_shown(self, decision: IdentityDecision) -> str:
        return f"{decision.confidence:.2f}"

    @admin.display(description="state")
    def state(self, decision: IdentityDecision):
        if not decision.review:
            waiting: dict[str, str] = {
                IdentityDecision.Kind.PROPOSAL: "waiting",
                IdentityDecision.Kind.SPLIT_PROPOSAL: "waiting (split)",
                IdentityDecision.Kind.SPLIT: "split (low confidence)",
                IdentityDecision.Kind.MOVE: "works moved (low confidence)",
            }
            return waiting.get(decision.kind, "merged (low confidence)")
        by = decision.reviewed_by.get_username() if decision.reviewed_by else "—"
        return format_html("{} by {}", decision.get_review_display(), by)

    def _review(self, request, queryset, service) -> None:
        done, refused = 0, []
        for decision in queryset[:200]:
            try:
                service(decision=decision, actor=request.user)
                done += 1
            except (CurationError, PermissionDenied) as exc:
                refused.append(f"{decision.records}: {exc}")
        if done:
            self.message_user(request, f"Reviewed {done} decision(s).", messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.WARNING)

    @admin.action(
        description="Accept (merge or split as proposed, keep the merge or split)",
        permissions=["curate"],
    )
    def accept(self, request, queryset):
        self._review(request, queryset, identity_review.curator_accept)

    @admin.action(
        description="Reject (never proposed again; a merge or split is undone)",
        permissions=["curate"],
    )
    def reject(self, request, queryset):
        self._review(request, queryset, identity_review.curator_reject)
