"""Admin for the profiles models that need no publications data. The author record admin (merge,
split, history) and the claims queue live in publications/admin_authors.py and admin_claims.py
because they move or show works.

Tables here can be large (follows, curation events): raw-id widgets, list_select_related, no
full result count."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from profiles.history import describe_event
from profiles.models import (
    CollaborationInvitation,
    CurationEvent,
    Follow,
    Institution,
)


class EstimatedCountPaginator(Paginator):
    """An unfiltered list of a big table shows PostgreSQL's row estimate instead of counting
    every row (count(*) over 800k authorships on each page view); filtered lists count exactly."""

    ESTIMATE_ABOVE = 50_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if getattr(queryset, "query", None) is not None and not queryset.query.where:
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > self.ESTIMATE_ABOVE:
                return int(row[0])
        return super().count


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by whoever holds the view permission; changed only through services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "name_key", "created_at"]
    search_fields = ["=name_key", "name"]
    show_full_result_count = False
    ordering = ["-id"]


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ["user", "author", "created_at"]
    list_select_related = ["user", "author"]
    raw_id_fields = ["user", "author"]
    search_fields = ["=user__username", "=author__slug"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(CollaborationInvitation)
class CollaborationInvitationAdmin(ReadOnlyAdmin):
    list_display = ["sender", "author", "receiver", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["sender", "author", "receiver"]
    raw_id_fields = ["sender", "author", "receiver"]
    show_full_result_count = False


@admin.register(CurationEvent)
class CurationEventAdmin(ReadOnlyAdmin):
    """The append-only audit log: nobody edits or deletes it from the admin."""

    list_display = ["created_at", "actor", "what", "author", "note", "follow_up"]
    # The event in words first; the raw before/after data stays below it for the audit.
    fields = ["what", "created_at", "actor", "action", "target_type", "target_id", "author", "note",
              "before", "after"]
    readonly_fields = ["what", "created_at"]
    list_filter = ["action", "target_type"]
    list_select_related = ["actor", "author"]
    raw_id_fields = ["actor", "author"]
    search_fields = ["=target_id", "=actor__username", "=author__slug"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    @admin.display(description="what")
    def what(self, event: CurationEvent) -> str:
        return describe_event(event)

    @admin.display(description="follow-up")
    def follow_up(self, event: CurationEvent) -> str:
        """An owner's merge request opens the merge preview with both records, theirs kept."""
        if event.action == "merge_requested" and {"merge", "into"} <= set(event.after):
            into, merge = int(event.after["into"]), int(event.after["merge"])
            url = f"{reverse('admin:profiles_author_merge')}?ids={into},{merge}&kept={into}"
            return format_html('<a href="{}">Preview the merge</a>', url)
        return ""
