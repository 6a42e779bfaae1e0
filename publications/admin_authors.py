"""Curating author records in the admin: search, merge (preview, confirm, undo), split, the
flagged queue, recompute, and the history of every record. The views are thin: they parse the
form, call one service of publications.curation and say what happened.

Every curation view and action needs ``publications.curate_author`` (the "curators" group has it);
everyone else gets 403 or does not see the action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from profiles.admin import EstimatedCountPaginator
from profiles.curators import CURATE_PERMISSION
from profiles.selectors import author_history
from publications import curation, curation_works
from publications.models import (
    Author,
    Authorship,
    MayCombineSeveralDecision,
    MayCombineSeveralRecord,
)
from publications.names import name_key

if TYPE_CHECKING:
    # The mixins below are only ever mixed into ModelAdmin subclasses.
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object

SPLIT_WORKS_LIMIT = 2000


class MergedFilter(admin.SimpleListFilter):
    title = "merged"
    parameter_name = "merged"

    def lookups(self, request, model_admin):
        return [("no", "Live records"), ("yes", "Merged into another record")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(merged_into__isnull=True)
        if self.value() == "yes":
            return queryset.filter(merged_into__isnull=False)
        return queryset


def search_authors(queryset, term: str):
    """Name search on the folded name key (a LIKE the trigram index serves), or an exact slug/id."""
    term = term.strip()
    if not term:
        return queryset
    if term.isdigit():
        return queryset.filter(pk=int(term))
    key = name_key(term)
    return queryset.filter(Q(slug=term) | Q(name_key__contains=key) if key else Q(slug=term))


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:publications_author_{name}", args=args)


class MayCombineSeveralActionsMixin(_ModelAdminBase):
    """A curator's decision about "may combine several researchers": stored apart from what the
    recompute computes, so the next recompute keeps it."""

    def _decide(self, request, queryset, decision: str, done: str) -> None:
        n = curation_works.authors_decide_several(
            author_ids=list(queryset.values_list("pk", flat=True)[:1000]),
            decision=decision,
            actor=request.user,
        )
        self.message_user(request, done.format(n=n), messages.SUCCESS)

    @admin.action(description="Clear the flag (one researcher after all)", permissions=["curate"])
    def clear_flag(self, request, queryset):
        self._decide(
            request,
            queryset,
            MayCombineSeveralDecision.ONE,
            "Cleared the flag on {n} record(s); later recomputes keep it cleared.",
        )

    @admin.action(description="Flag: may combine several researchers", permissions=["curate"])
    def flag_several(self, request, queryset):
        self._decide(request, queryset, MayCombineSeveralDecision.SEVERAL, "Flagged {n} record(s).")

    @admin.action(
        description="Forget the curators' decision (the recompute decides again)",
        permissions=["curate"],
    )
    def flag_to_recompute(self, request, queryset):
        self._decide(
            request,
            queryset,
            MayCombineSeveralDecision.NONE,
            "The recompute decides the flag of {n} record(s) again.",
        )


class CurationViewsMixin:
    def _curator_view(self, view):
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(CURATE_PERMISSION):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return self.admin_site.admin_view(wrapped)

    def has_curate_permission(self, request) -> bool:
        return request.user.has_perm(CURATE_PERMISSION)


@admin.register(Author)
class AuthorAdmin(MayCombineSeveralActionsMixin, CurationViewsMixin, admin.ModelAdmin):
    change_form_template = "admin/curation/author_change_form.html"
    list_display = [
        "display_name",
        "slug",
        "works_count",
        "followers_count",
        "verification_level",
        "claimed_by",
        "merged_into",
        "flagged",
    ]
    list_filter = [
        MergedFilter,
        "may_combine_several",
        "several_decision",
        "verification_level",
        "receives_imports",
    ]
    list_select_related = ["claimed_by", "merged_into"]
    search_fields = ["slug"]  # replaced by get_search_results; keeps the search box
    search_help_text = "A name (any spelling or order), an exact slug or a record id."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ["institution"]
    fields = [
        "display_name",
        "name_variants",
        "institution",
        "bio",
        "slug",
        "open_to_collaborate",
        "may_combine_several",
        "several_decision",
        "receives_imports",
        "claimed_by",
        "verification_level",
        "merged_into",
        "works_count",
        "followers_count",
        "topics_count",
        "close_collaborators_count",
        "verified_collaborators_count",
        "first_year",
        "last_year",
        "trust_score",
        "trust_tier",
        "trust_formula_version",
        "scored_at",
        "name_key",
        "created_at",
        "updated_at",
    ]
    # Only what curation_works.author_curator_edit accepts is a form field; identity (slug,
    # owner, level, merge), the owner's own choices, counters and scores change only through
    # claims, merges, splits, flag decisions and the recompute.
    readonly_fields = [
        f for f in cast(list[str], fields) if f not in curation_works.CURATOR_EDITABLE_FIELDS
    ]
    actions = [
        "merge_selected",
        "recompute_scores",
        "clear_flag",
        "flag_several",
        "flag_to_recompute",
    ]

    def get_search_results(self, request, queryset, search_term):
        return search_authors(queryset, search_term), False

    @admin.display(description="may combine several", boolean=True)
    def flagged(self, author: Author) -> bool:
        """As shown on the profile: a curator's decision outranks the recompute."""
        return author.shows_may_combine_several

    def has_add_permission(self, request) -> bool:
        return False  # records come from imports and splits

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # merge instead: ids and slugs never change meaning

    def save_model(self, request, obj, form, change):
        """Hand edits go through the audited service (a CurationEvent with before and after);
        it refuses any field a curator may not change."""
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        if changes:
            curation_works.author_curator_edit(
                author_id=obj.pk, changes=changes, actor=request.user
            )
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass  # no inlines or many-to-many fields: nothing else to save

    def get_urls(self):
        return [
            path("merge/", self._curator_view(self.merge_view), name="publications_author_merge"),
            path(
                "<int:object_id>/split/",
                self._curator_view(self.split_view),
                name="publications_author_split",
            ),
            path(
                "<int:object_id>/unmerge/",
                self._curator_view(self.unmerge_view),
                name="publications_author_unmerge",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"can_curate": request.user.has_perm(CURATE_PERMISSION), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    # --- actions -----------------------------------------------------------------------------

    @admin.action(description="Merge selected records (preview first)", permissions=["curate"])
    def merge_selected(self, request, queryset):
        ids = sorted(queryset.values_list("pk", flat=True)[:50])
        if len(ids) < 2:
            self.message_user(request, "Select two or more records to merge.", messages.ERROR)
            return None
        return HttpResponseRedirect(f"{admin_url('merge')}?ids={','.join(map(str, ids))}")

    @admin.action(description="Recompute scores of selected records", permissions=["curate"])
    def recompute_scores(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[:1000])
        curation_works.authors_recompute(author_ids=ids, actor=request.user)
        self.message_user(
            request, f"Counters refreshed; scores of {len(ids)} record(s) queued.", messages.SUCCESS
        )

    # --- views -------------------------------------------------------------------------------

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        data = request.POST if request.method == "POST" else request.GET
        ids = [int(i) for i in data.get("ids", "").split(",") if i.strip().isdigit()]
        added = data.get("add", "").strip()
        if added:
            found = (
                Author.objects.filter(
                    Q(slug=added) | Q(pk=int(added)) if added.isdigit() else Q(slug=added)
                )
                .values_list("pk", flat=True)
                .first()
            )
            if found is None:
                self.message_user(request, f"No author record {added!r}.", messages.ERROR)
            elif found not in ids:
                ids.append(found)
        # Counted live: stored counters may lag behind imports.
        candidates = list(
            Author.objects.filter(pk__in=ids)
            .annotate(authorships_count=Count("authorships"))
            .order_by("-authorships_count", "pk")
        )
        kept_id = int(data["kept"]) if data.get("kept", "").isdigit() else None
        if kept_id not in {c.pk for c in candidates}:
            kept_id = candidates[0].pk if candidates else None
        preview = error = None
        if kept_id and len(candidates) >= 2:
            merged_ids = [c.pk for c in candidates if c.pk != kept_id]
            if request.method == "POST" and "confirm" in request.POST:
                try:
                    curation.merge_authors(
                        kept_id=kept_id,
                        merged_ids=merged_ids,
                        actor=request.user,
                        note=request.POST.get("note", ""),
                    )
                except curation.CurationError as exc:
                    error = str(exc)
                else:
                    kept = next(c for c in candidates if c.pk == kept_id)
                    self.message_user(
                        request,
                        format_html(
                            'Merged {} record(s) into {} (<a href="{}">public page</a>).',
                            len(merged_ids),
                            kept.slug,
                            kept.get_absolute_url(),
                        ),
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(admin_url("change", kept_id))
            preview = curation.merge_preview(kept_id=kept_id, merged_ids=merged_ids)
        return TemplateResponse(
            request,
            "admin/curation/merge.html",
            self._context(
                request,
                "Merge author records",
                candidates=candidates,
                kept_id=kept_id,
                ids=",".join(str(c.pk) for c in candidates),
                preview=preview,
                error=error,
            ),
        )

    def split_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        author = get_object_or_404(Author, pk=object_id)
        error = None
        if request.method == "POST":
            work_ids = [int(i) for i in request.POST.getlist("works") if i.isdigit()]
            try:
                new, _ = curation.split_author(
                    author_id=author.pk,
                    work_ids=work_ids,
                    actor=request.user,
                    note=request.POST.get("note", ""),
                    resolved="resolved" in request.POST,
                )
            except curation.CurationError as exc:
                error = str(exc)
            else:
                self.message_user(
                    request,
                    format_html(
                        'Moved {} work(s) to the new record {} (<a href="{}">public page</a>).',
                        len(work_ids),
                        new.slug,
                        new.get_absolute_url(),
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(admin_url("change", new.pk))
        authorships = list(
            Authorship.objects.filter(author=author)
            .select_related("work", "work__primary_topic")
            .order_by("-work__first_submitted", "-work_id")[:SPLIT_WORKS_LIMIT]
        )
        return TemplateResponse(
            request,
            "admin/curation/split.html",
            self._context(
                request,
                f"Split {author.display_name}",
                author=author,
                authorships=authorships,
                limit=SPLIT_WORKS_LIMIT,
                error=error,
                chosen={int(i) for i in request.POST.getlist("works") if i.isdigit()},
            ),
        )

    def unmerge_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Its own page (the change form cannot hold a second form): what the undo brings
        back, a note, and the button; POST undoes the merge."""
        author = get_object_or_404(Author.objects.select_related("merged_into"), pk=object_id)
        if request.method == "POST":
            try:
                curation.unmerge_author(
                    author_id=author.pk, actor=request.user, note=request.POST.get("note", "")
                )
            except curation.CurationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, "The merge was undone.", messages.SUCCESS)
            return HttpResponseRedirect(admin_url("change", author.pk))
        merge = curation.last_merge_event(author_id=author.pk) if author.merged_into_id else None
        return TemplateResponse(
            request,
            "admin/curation/unmerge.html",
            self._context(
                request,
                f"Undo the merge of {author.display_name}",
                author=author,
                merge=merge,
            ),
        )

    def history_view(self, request, object_id, extra_context=None):
        """The record's curation history (merges, splits, claims, edits), newest first."""
        author = get_object_or_404(Author.objects.select_related("merged_into"), pk=object_id)
        if not self.has_view_or_change_permission(request, author):
            raise PermissionDenied
        events = author_history(author_id=author.pk)
        undoable = None
        if author.merged_into_id and request.user.has_perm(CURATE_PERMISSION):
            undoable = curation.last_merge_event(author_id=author.pk)
        return TemplateResponse(
            request,
            "admin/curation/history.html",
            self._context(
                request,
                f"History of {author.display_name}",
                author=author,
                events=events,
                undoable=undoable,
                object=author,
            ),
        )


class QueueFilter(admin.SimpleListFilter):
    """A curators' queue filter that shows ``default`` (what waits for them) when no choice is
    made, and lists only its own choices (no "All")."""

    default = ""

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class MayCombineSeveralReviewFilter(QueueFilter):
    """The queue shows flagged records unless asked for the cleared ones (to flag them again)."""

    title = "review"
    parameter_name = "review"
    default = "flagged"

    def lookups(self, request, model_admin):
        return [
            ("flagged", "Flagged (to review)"),
            ("unreviewed", "Flagged by the recompute, not reviewed"),
            ("confirmed", "Flagged by a curator"),
            ("cleared", "Cleared by a curator"),
        ]

    def queryset(self, request, queryset):
        return {
            "unreviewed": queryset.filter(several_decision="", may_combine_several=True),
            "confirmed": queryset.filter(several_decision=MayCombineSeveralDecision.SEVERAL),
            "cleared": queryset.filter(several_decision=MayCombineSeveralDecision.ONE),
        }.get(self.value(), queryset.shows_may_combine_several())


@admin.register(MayCombineSeveralRecord)
class MayCombineSeveralRecordAdmin(
    MayCombineSeveralActionsMixin, CurationViewsMixin, admin.ModelAdmin
):
    """The one queue of records that may combine several researchers (flagged by the recompute
    or by a curator), biggest first. Records are edited on their author record page only."""

    list_display = [
        "display_name",
        "works_count",
        "topics_count",
        "claimed_by",
        "decision",
        "links",
    ]
    list_display_links = None
    list_filter = [MayCombineSeveralReviewFilter]
    list_select_related = ["claimed_by"]
    search_fields = ["slug"]
    show_full_result_count = False
    ordering = ["-works_count", "pk"]
    actions = ["clear_flag", "flag_several", "flag_to_recompute"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(merged_into=None)

    def get_search_results(self, request, queryset, search_term):
        return search_authors(queryset, search_term), False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """One place edits a record (the author record page, audited): never this queue."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(admin_url("change", object_id))

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(admin_url("history", object_id))

    @admin.display(description="decision")
    def decision(self, author: Author) -> str:
        if author.several_decision:
            return author.get_several_decision_display()
        return "flagged by the recompute" if author.may_combine_several else "—"

    @admin.display(description="curate")
    def links(self, author: Author):
        return format_html(
            '<a class="split-link" href="{}">Split…</a> · <a href="{}">record</a> · '
            '<a href="{}">public page</a>',
            admin_url("split", author.pk),
            admin_url("change", author.pk),
            author.get_absolute_url(),
        )
