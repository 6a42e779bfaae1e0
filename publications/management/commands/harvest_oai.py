"""``manage.py harvest_oai --set SET [--from DATE] [--until DATE]``: harvest one OAI-PMH window now.

The same harvest as the daily Celery task, run in this process: for re-reading a window by hand
(records the database refused, a window a curator wants again). Without ``--from`` it starts at
the set's watermark. Safe to run again: records already stored are counted unchanged.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from publications import harvest
from publications.arxiv.clients import ArxivError
from publications.services import mark_interrupted_runs


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Harvest one OAI-PMH set (a window of datestamps) from arXiv now, in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--set", dest="set_spec", required=True, help="e.g. physics:astro-ph")
        parser.add_argument("--from", dest="from_date", help="first datestamp (default: watermark)")
        parser.add_argument("--until", help="last datestamp (default: today)")
        parser.add_argument("--metadata-prefix", default="arXivRaw", choices=["arXivRaw", "arXiv"])

    def handle(
        self,
        *args,
        set_spec: str,
        from_date: str | None,
        until: str | None,
        metadata_prefix: str,
        **options,
    ) -> None:
        start = _date(from_date) if from_date else None
        end = _date(until) if until else None
        if start and end and end < start:
            raise CommandError("--until is before --from")
        for run in mark_interrupted_runs():
            self.stderr.write(self.style.WARNING(f"import run {run.pk} was interrupted"))
        try:
            run = harvest.harvest_oai(
                set_spec=set_spec, metadata_prefix=metadata_prefix, from_date=start, until=end
            )
        except ArxivError as exc:
            raise CommandError(f"harvest stopped: {exc}") from exc
        self.stdout.write(
            f"harvest run {run.pk} {run.status}: {run.records_seen} seen, {run.records_created} "
            f"created, {run.records_updated} updated, {run.records_unchanged} unchanged, "
            f"{run.records_skipped} skipped, {run.records_failed} failed; "
            f"window up to {run.window_end or '-'}, watermark {run.watermark or 'not moved'}"
        )
        for error in run.errors[:20]:
            ident = f" {error['arxiv_id']}" if error.get("arxiv_id") else ""
            self.stdout.write(f"  {error['where']}{ident}: {error['reason']}")
        if run.records_failed:
            self.stdout.write(
                self.style.WARNING(
                    "records were refused: the watermark stays until they are in or a curator "
                    "acknowledges them in the admin (Import runs)"
                )
            )
