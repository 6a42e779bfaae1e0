"""`python manage.py recompute_scores [--author SLUG ...]`: recompute counters and trust scores."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from graph import services
from publications.models import Author


class Command(BaseCommand):
    help = (
        "Recompute the stored counters and trust scores of every author record, or of the given "
        "records and their co-authors. Safe to run again: unchanged records are not written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--author",
            action="append",
            default=[],
            metavar="SLUG",
            help="recompute this record and its co-authors only (repeatable)",
        )

    def handle(self, *args, author: list[str], **options):
        started = time.perf_counter()
        if author:
            ids = dict(Author.objects.filter(slug__in=author).values_list("slug", "id"))
            missing = sorted(set(author) - set(ids))
            if missing:
                raise CommandError(f"no author record with slug {', '.join(missing)}")
            result = services.recompute_authors(ids.values())
        else:
            result = services.recompute_all()
        self.stdout.write(
            f"recomputed {result.scope} author record(s) in {time.perf_counter() - started:.1f} s: "
            f"{result.changed} changed, {result.score_changes} score change(s) recorded, "
            f"{result.flagged} flagged as possibly several researchers"
        )
