"""Admin for the profiles models that need no publications data. The author record admin (merge,
split, history) and the claims queue live in publications/admin_authors.py and admin_claims.py
because they move or show works.

Tables here can be large (follows, curation events): raw-id widgets, list_select_related, no
full result count."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from profiles.claim_evidence import (
    clean_institution_domain,
    institution_domain_add,
    institution_domain_change,
    institution_domain_remove,
)
from profiles.history import describe_event
from profiles.models import CollaborationInvitation, Follow, InstitutionDomain
from publications.models import CurationEvent, Institution
from publications.permissions import is_curator


class EstimatedCountPaginator(Paginator):
    """An unfiltered list of a big table shows PostgreSQL's row estimate instead of counting
    every row (count(*) over 800k authorships on each page view); filtered lists count exactly."""

    ESTIMATE_ABOVE = 50_000

    @cached_property
    def count(self) -> int:
        queryset: Any = self.object_list  # a QuerySet or a list; checked below
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


class InstitutionDomainForm(forms.ModelForm):
    class Meta:
        model = InstitutionDomain
        fields = ["institution", "domain", "note"]

    def clean_domain(self) -> str:
        return clean_institution_domain(self.cleaned_data.get("domain", ""))

    def clean(self):
        cleaned = super().clean()
        institution, domain = cleaned.get("institution"), cleaned.get("domain")
        if institution and domain:
            same = InstitutionDomain.objects.filter(institution=institution, domain=domain)
            if self.instance.pk:
                same = same.exclude(pk=self.instance.pk)
            if same.exists():
                raise ValidationError(f"{domain} is already recorded for {institution}.")
        return cleaned


@admin.register(InstitutionDomain)
class InstitutionDomainAdmin(admin.ModelAdmin):
    """E-mail domains institutions really use: a verified address at one of them is strong (L3)
    evidence on records naming the institution. Curators only; every change is a CurationEvent
    (written by profiles/claim_evidence.py)."""

    form = InstitutionDomainForm
    list_display = ["domain", "institution", "added_by", "note", "created_at"]
    list_select_related = ["institution", "added_by"]
    raw_id_fields = ["institution"]
    search_fields = ["=domain", "institution__name"]
    show_full_result_count = False
    ordering = ["domain", "id"]

    def _curator(self, request) -> bool:
        return is_curator(request.user)

    def has_module_permission(self, request) -> bool:
        return self._curator(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._curator(request)

    def has_add_permission(self, request) -> bool:
        return self._curator(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._curator(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._curator(request)

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if change:
            saved = institution_domain_change(
                user=request.user,
                entry=obj,
                institution=data["institution"],
                domain=data["domain"],
                note=data.get("note", ""),
            )
        else:
            saved = institution_domain_add(
                user=request.user,
                institution=data["institution"],
                domain=data["domain"],
                note=data.get("note", ""),
            )
        obj.pk = saved.pk  # the admin's messages and redirects use the saved row

    def delete_model(self, request, obj) -> None:
        institution_domain_remove(user=request.user, entry=obj)

    def delete_queryset(self, request, queryset) -> None:
        for entry in queryset:
            self.delete_model(request, entry)


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
    fields = [
        "what",
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "author",
        "note",
        "before",
        "after",
    ]
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
            url = f"{reverse('admin:publications_author_merge')}?ids={into},{merge}&kept={into}"
            return format_html('<a href="{}">Preview the merge</a>', url)
        return ""
