"""manage.py resolve_identities [--name NAME ...]: run the author identity engine."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publications.identity_service import resolve_identities


class Command(BaseCommand):
    help = (
        "Run the author identity engine over every author record (or the name blocks of the "
        "given printed names): records found to be one person are merged into the larger one "
        "(the other redirects); claimed or curated records get proposals instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", action="append", dest="names",
                            help="a printed name whose block to resolve (repeatable)")  # fmt: skip

    def handle(self, *args, names=None, **options):
        result = resolve_identities(names=names)
        self.stdout.write(
            f"{result.authorships} authorships in {result.blocks} blocks: "
            f"{result.merged} records merged, {result.split} split, {result.moved} authorships "
            f"moved to their person's record, {result.proposals + result.split_proposals} proposals "
            f"({result.seconds:.1f} s)"
        )
