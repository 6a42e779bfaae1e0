"""Graph stores no relations of its own: co-authorship is derived from publications.

It keeps the history of trust scores (for the trend on a profile) and owns the columns it computes
on the author records (AuthorStats): it is their only writer. Records that may combine several
researchers are reviewed in one admin queue (publications.MayCombineSeveralRecord).
"""

from __future__ import annotations

from django.db import models

from publications.models import Author


class AuthorStats(models.Model):
    """What graph computes about an author record, in the record's own row (profiles_author).

    The columns stay on the author table: lists and search order by them and the partial index of
    the flagged-records queue mixes them with the curators' columns, which another table would
    turn into a join on every list. This unmanaged model declares that graph owns them (the
    names are Author.COMPUTED_FIELDS, which Author.save() never writes on an update); graph's
    writes go through it, or through the recompute's one UPDATE of the same columns."""

    author = models.OneToOneField(
        Author,
        primary_key=True,
        db_column="id",
        on_delete=models.DO_NOTHING,
        related_name="stats",
    )
    works_count = models.PositiveIntegerField(default=0)
    followers_count = models.PositiveIntegerField(default=0)
    topics_count = models.PositiveIntegerField(default=0)
    close_collaborators_count = models.PositiveIntegerField(default=0)
    verified_collaborators_count = models.PositiveIntegerField(default=0)
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    trust_score = models.PositiveSmallIntegerField(default=0)
    trust_tier = models.CharField(max_length=20, default="Emerging")
    trust_formula_version = models.PositiveSmallIntegerField(default=0)
    trust_components = models.JSONField(default=dict, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    may_combine_several = models.BooleanField(default=False)

    class Meta:
        managed = False
        db_table = "profiles_author"
        verbose_name = "computed values of an author record"
        verbose_name_plural = "computed values of author records"

    def __str__(self) -> str:
        return f"computed values of author record {self.pk}"


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
