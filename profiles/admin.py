"""Admin for curators. The claim queue (oldest first) approves and rejects through the services,
so every decision is checked, recorded as a curation event and mailed to the claimant."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from profiles import services
from profiles.models import Claim, ClaimState, CollaborationInvitation, CurationEvent
from profiles.permissions import is_curator


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "author", "user", "state", "evidence_level", "created_at", "reviewer"]
    list_filter = ["state", "evidence_level"]
    search_fields = ["author__display_name", "user__username", "user__email"]
    ordering = ["created_at"]
    list_select_related = ["author", "user", "reviewer"]
    readonly_fields = ("user", "author", "state", "evidence", "evidence_level", "reviewer",
                       "created_at", "decided_at")
    fields = ("user", "author", "state", "evidence", "evidence_level", "reason", "reviewer",
              "created_at", "decided_at")
    actions = ["approve", "reject"]

    # Curators (staff in the "curators" group) review claims without per-model permissions.
    def has_module_permission(self, request):
        return is_curator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_curator(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_curator(request.user) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _run(self, request, queryset, decide, done: str) -> None:
        ok = 0
        for claim in queryset.order_by("created_at"):
            try:
                decide(claim)
                ok += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"Claim {claim.pk} ({claim.author}): {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if ok:
            messages.success(request, f"{ok} claim(s) {done}.")

    @admin.action(description="Approve selected claims (L4, confirmed by a curator)")
    def approve(self, request, queryset):
        self._run(
            request, queryset.filter(state=ClaimState.PENDING),
            lambda c: services.claim_approve(claim=c, reviewer=request.user), "approved",
        )

    @admin.action(description="Reject selected claims (write the reason on each claim first)")
    def reject(self, request, queryset):
        self._run(
            request, queryset,
            lambda c: services.claim_reject(claim=c, reviewer=request.user, reason=c.reason),
            "rejected",
        )

    def save_model(self, request, obj, form, change):
        # Only the reason is editable; it is stored so the reject action can use it.
        Claim.objects.filter(pk=obj.pk).update(reason=obj.reason)


@admin.register(CollaborationInvitation)
class CollaborationInvitationAdmin(admin.ModelAdmin):
    list_display = ["id", "sender", "author", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["sender", "author"]
    readonly_fields = ["sender", "author", "message", "state", "created_at", "answered_at"]


@admin.register(CurationEvent)
class CurationEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "author"]
    list_filter = ["action", "target_type"]
    list_select_related = ["actor", "author"]
    readonly_fields = ["actor", "action", "target_type", "target_id", "author", "before", "after",
                       "note", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
