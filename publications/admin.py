"""Admin for works, authorships, topics and import runs. Built for the 143k-work database: searches
that use an index (arXiv id, full-text vector), raw-id widgets, list_select_related, no full result
count. Works are hidden, restored and re-imported through curation services (audited); authorships
change only through merge and split; topics and import runs are read-only."""

from __future__ import annotations

import re
from typing import cast

from django.contrib import admin, messages
from django.contrib.postgres.search import SearchQuery
from django.template.response import TemplateResponse

from profiles.admin import EstimatedCountPaginator, ReadOnlyAdmin
from profiles.curators import CURATE_PERMISSION
from publications import curation_works
from publications.admin_authors import AuthorAdmin, MayCombineSeveralRecordAdmin  # noqa: F401 (registers)
from publications.admin_claims import ClaimQueueAdmin  # noqa: F401 (registers)
from publications.admin_identity import IdentityDecisionAdmin  # noqa: F401 (registers)
from publications.models import Authorship, ImportRun, Topic, Work, WorkVersion

REIMPORT_LIMIT = 100  # one arXiv API request (id_list) when it runs while the curator waits
ARXIV_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z][a-z.-]+/\d{7})(?:v\d+)?$", re.IGNORECASE)


def arxiv_id_in(term: str) -> str | None:
    """The arXiv id without version when the search term is one ("arXiv:0704.0001v2" too)."""
    match = ARXIV_ID.match(term.strip())
    return match.group(1) if match else None


class CurateActionsMixin:
    """Admin actions marked ``allowed_permissions=("curate",)`` need the curate permission."""

    def has_curate_permission(self, request) -> bool:
        return request.user.has_perm(CURATE_PERMISSION)


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    """arXiv's taxonomy (publications/arxiv/taxonomy.py, kept by imports): a code is a topic
    page's URL, so nobody edits or deletes one by hand."""

    list_display = ["code", "name", "archive", "group", "retired"]
    list_filter = ["group", "retired"]
    search_fields = ["code", "name"]


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    fields = ["position", "author", "printed_name", "printed_affiliation", "source"]
    readonly_fields = cast(list[str], fields)  # names only
    raw_id_fields = ["author"]
    extra = 0
    can_delete = False
    max_num = 0
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class WorkVersionInline(admin.TabularInline):
    model = WorkVersion
    fields = ["number", "created", "size"]
    readonly_fields = cast(list[str], fields)  # names only
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(Work)
class WorkAdmin(CurateActionsMixin, admin.ModelAdmin):
    list_display = [
        "arxiv_id",
        "short_title",
        "primary_topic",
        "first_submitted",
        "version_count",
        "authors_count",
        "hidden",
    ]
    list_filter = ["hidden"]  # a filter on `source` would scan every work for its values
    list_select_related = ["primary_topic"]
    paginator = EstimatedCountPaginator
    search_fields = ["arxiv_id"]  # replaced by get_search_results; keeps the search box
    search_help_text = "An arXiv id (exact) or words of the title and abstract (full text)."
    show_full_result_count = False
    raw_id_fields = ["primary_topic"]
    exclude = ["topics"]
    readonly_fields = [
        "arxiv_id",
        "title",
        "abstract",
        "comments",
        "journal_ref",
        "doi",
        "report_no",
        "license",
        "submitter",
        "primary_topic",
        "first_submitted",
        "latest_version_date",
        "version_count",
        "metadata_date",
        "authors_count",
        "hidden",
        "hidden_reason",
        "source",
        "content_hash",
        "created_at",
        "updated_at",
    ]
    inlines = [AuthorshipInline, WorkVersionInline]
    actions = ["hide_works", "restore_works", "reimport_works"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("primary_topic")

    @admin.display(description="title")
    def short_title(self, work: Work) -> str:
        return work.title[:90]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        arxiv_id = arxiv_id_in(term)
        if arxiv_id:
            return queryset.filter(arxiv_id=arxiv_id), False
        return queryset.filter(search_vector=SearchQuery(term, config="english")), False

    def has_add_permission(self, request) -> bool:
        return False  # works come from arXiv

    def has_change_permission(self, request, obj=None) -> bool:
        # Every field comes from arXiv: the page is for reading; hiding and re-importing are
        # actions (audited). A "Save" would only write back the row as read, over an import.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # hide instead: the id keeps its meaning

    @admin.action(description="Hide selected works (asks for a reason)", permissions=["curate"])
    def hide_works(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            if "apply" in request.POST:
                self.message_user(request, "Say why the works are hidden.", messages.ERROR)
            return TemplateResponse(
                request,
                "admin/curation/hide_works.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Hide works",
                    "opts": self.model._meta,
                    "works": queryset[:500],
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        done = sum(
            curation_works.work_set_hidden(
                work_id=pk, hidden=True, actor=request.user, reason=reason
            )
            is not None
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Hid {done} work(s).", messages.SUCCESS)
        return None

    @admin.action(description="Restore selected hidden works", permissions=["curate"])
    def restore_works(self, request, queryset):
        done = sum(
            curation_works.work_set_hidden(work_id=pk, hidden=False, actor=request.user) is not None
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Restored {done} work(s).", messages.SUCCESS)

    @admin.action(description="Re-import selected works from arXiv", permissions=["curate"])
    def reimport_works(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[:REIMPORT_LIMIT])
        outcome = curation_works.works_reimport(work_ids=ids, actor=request.user)
        if outcome.error:
            self.message_user(request, outcome.error, messages.ERROR)
        elif outcome.run is not None:
            run = outcome.run
            self.message_user(
                request,
                f"Re-imported from arXiv now (no worker is configured): {run.records_seen} "
                f"record(s) read, {run.records_updated} updated, {run.records_created} created, "
                f"{run.records_unchanged} unchanged, {run.records_skipped} skipped.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                f"Queued {len(outcome.queued)} re-import(s) from arXiv (at most "
                f"{REIMPORT_LIMIT} at a time).",
                messages.SUCCESS,
            )


@admin.register(Authorship)
class AuthorshipAdmin(ReadOnlyAdmin):
    """Attributions change through merge and split (audited), never by hand."""

    list_display = ["work", "position", "printed_name", "author", "source"]
    list_filter = ["source"]
    list_select_related = ["work", "author"]
    raw_id_fields = ["work", "author", "institution"]
    search_fields = ["work__arxiv_id"]  # replaced by get_search_results; keeps the search box
    search_help_text = "An arXiv id (the work's authorships) or an author record's slug."
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        # One indexed equality per kind of term: an OR across the two joins would scan.
        term = search_term.strip()
        if not term:
            return queryset, False
        arxiv_id = arxiv_id_in(term)
        if arxiv_id:
            return queryset.filter(work__arxiv_id=arxiv_id), False
        return queryset.filter(author__slug=term), False


class FailuresWaitingFilter(admin.SimpleListFilter):
    title = "failed records"
    parameter_name = "failures"

    def lookups(self, request, model_admin):
        return [("waiting", "waiting for a person"), ("acknowledged", "acknowledged")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(records_failed__gt=0, failures_acknowledged_at__isnull=True)
        if self.value() == "acknowledged":
            return queryset.filter(failures_acknowledged_at__isnull=False)
        return queryset


@admin.register(ImportRun)
class ImportRunAdmin(CurateActionsMixin, ReadOnlyAdmin):
    """Import runs. Opening the list marks runs whose process died as interrupted. A harvest
    with records the database refused keeps its window (the next harvest reads it again) until
    they are in or a curator acknowledges them here, after reading why they failed."""

    list_display = [
        "started_at",
        "source",
        "status",
        "records_seen",
        "records_created",
        "records_updated",
        "records_unchanged",
        "records_skipped",
        "records_failed",
        "failures",
        "watermark",
        "heartbeat_at",
        "finished_at",
    ]
    list_filter = ["source", "status", FailuresWaitingFilter]
    readonly_fields = [
        "source",
        "parameters",
        "status",
        "watermark",
        "window_end",
        "records_seen",
        "records_created",
        "records_updated",
        "records_unchanged",
        "records_skipped",
        "records_failed",
        "errors",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "host",
        "pid",
        "failures_acknowledged_at",
        "failures_acknowledged_by",
    ]
    show_full_result_count = False
    actions = ["acknowledge_failures"]

    def changelist_view(self, request, extra_context=None):
        from publications.services import mark_interrupted_runs

        for run in mark_interrupted_runs():
            self.message_user(
                request,
                f"Import run {run.pk} ({run.source}) was interrupted: its process is gone or "
                f"silent. It committed {run.records_created} created and {run.records_updated} "
                "updated works; run it again to finish.",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description="failed records")
    def failures(self, run: ImportRun) -> str:
        if not run.records_failed:
            return ""
        if run.failures_acknowledged_at:
            return f"{run.records_failed}, acknowledged"
        if run.source == "oai-harvest":
            return f"{run.records_failed}, window kept until acknowledged"
        return str(run.records_failed)

    @admin.action(
        description="Acknowledge failed records (the harvest moves past them)",
        permissions=["curate"],
    )
    def acknowledge_failures(self, request, queryset):
        from publications.harvest import acknowledge_failures

        done = sum(acknowledge_failures(run, user=request.user) for run in queryset)
        self.message_user(
            request,
            f"{done} harvest run(s) acknowledged; their watermark moved to the end of their window."
            if done
            else "Nothing to acknowledge: pick finished harvests with failed "
            "records not yet acknowledged.",
            messages.SUCCESS if done else messages.WARNING,
        )


admin.site.site_header = "BZPEER curation"
admin.site.site_title = "BZPEER curation"
admin.site.index_title = "Claims, author records, works and their history"
