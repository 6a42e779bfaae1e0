from django.contrib import admin

from graph.models import ScoreChange
from profiles.admin import ReadOnlyAdmin

# Records flagged "may combine several researchers" are reviewed in one queue: the flagged author
# records of publications/admin_authors.py (split, clear the flag, flag again).


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    """Score history is written by the recompute only."""

    list_display = ("author", "previous_score", "score", "tier", "formula_version", "created_at")
    raw_id_fields = ("author",)
    list_select_related = ("author",)
