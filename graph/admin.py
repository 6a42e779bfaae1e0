from django.contrib import admin

from graph.models import ScoreChange, SeveralResearchersRecord


@admin.register(SeveralResearchersRecord)
class SeveralResearchersAdmin(admin.ModelAdmin):
    """The curators' queue of records flagged "may combine several researchers" (largest first)."""

    list_display = ("display_name", "works_count", "topics_count", "trust_score", "scored_at")
    search_fields = ("display_name", "name_key")
    readonly_fields = ("may_combine_several", "works_count", "topics_count", "trust_score",
                       "trust_components")
    fields = ("display_name", "slug", *readonly_fields)
    ordering = ("-works_count", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(may_combine_several=True,
                                                    merged_into__isnull=True)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScoreChange)
class ScoreChangeAdmin(admin.ModelAdmin):
    list_display = ("author", "previous_score", "score", "tier", "formula_version", "created_at")
    raw_id_fields = ("author",)
    list_select_related = ("author",)
