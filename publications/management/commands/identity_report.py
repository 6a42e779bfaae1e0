"""manage.py identity_report LABELS.tsv RECORDS.jsonl: how well author records match labels."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from graph.scoring import may_combine_several
from publications.identity.report import measure


class Command(BaseCommand):
    help = (
        "Measure author identity against a labelled file (tab-separated arxiv_id, position, "
        "printed_name, person_id, with that header) over arXiv JSON-lines records: pairwise and "
        "B-cubed precision/recall/F1 and the 'may combine several researchers' flag, for "
        "today's name keys and for the identity engine."
    )

    def add_arguments(self, parser):
        parser.add_argument("labels", help="labels file in the gold-dev.tsv format")
        parser.add_argument("records", help="arXiv JSON-lines records (.jsonl or .jsonl.gz)")

    def handle(self, *args, labels: str, records: str, **options):
        try:
            result = measure(records, labels, flag_rule=may_combine_several)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        out = self.stdout
        out.write(f"{result.mentions} authorships of the labelled family names read "
                  f"in {result.seconds:.1f} s")  # fmt: skip
        if result.missing_labels:
            out.write(
                f"{result.missing_labels} labelled authorships are not in the records "
                "(counted as records of their own)"
            )
        for title, report in (
            ("name keys (today's import)", result.name_keys),
            ("engine clusters", result.engine),
            ("name-key records split and joined by resolve_identities", result.record_joins),
        ):
            out.write(f"\n{title}")
            for line in report.lines():
                out.write(f"  {line}")
