"""``manage.py convert_work_text``: works stored before TeX conversion, shown in Unicode."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from publications.services import works_text_convert


class Command(BaseCommand):
    help = (
        "Convert the text-mode TeX of works imported before the conversion existed (titles, "
        "abstracts, comments, journal references) to Unicode, keeping the originals. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size: int, **options) -> None:
        rewritten = works_text_convert(batch_size=batch_size)
        self.stdout.write(f"{rewritten} works rewritten.")
