"""Reads of the graph app. Each selector states its query budget."""

from __future__ import annotations

from graph.models import ScoreChange, SeveralResearchersRecord

TREND_LENGTH = 8


def author_score_trend(*, author_id: int, limit: int = TREND_LENGTH) -> list[ScoreChange]:
    """The last `limit` score changes of an author record, oldest first. 1 query."""
    changes = list(
        ScoreChange.objects.filter(author_id=author_id).order_by("-created_at", "-id")[:limit]
    )
    changes.reverse()
    return changes


def several_researchers_queue(*, limit: int = 50) -> list[SeveralResearchersRecord]:
    """Records flagged "may combine several researchers", most works first. 1 query."""
    return list(SeveralResearchersRecord.objects.flagged().order_by("-works_count", "id")[:limit])
