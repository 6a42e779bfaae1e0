"""Graph stores no relations of its own: co-authorship is derived from publications.

It keeps the history of trust scores (for the trend on a profile). Records flagged as possibly
several researchers are reviewed in one admin queue (profiles.FlaggedAuthor).
"""

from __future__ import annotations

from django.db import models

from profiles.models import Author


class ScoreChange(models.Model):
    """One change of an author record's trust score, written by a recompute only when it changes."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="score_changes")
    score = models.PositiveSmallIntegerField()
    previous_score = models.PositiveSmallIntegerField(null=True, blank=True)
    tier = models.CharField(max_length=20)
    formula_version = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "-created_at"], name="scorechange_author_idx")]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.previous_score} → {self.score}"
