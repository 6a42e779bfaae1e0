"""Figures on labelled data: pairwise and B-cubed precision/recall/F1 over the labelled
authorships, and precision/recall of the "may combine several researchers" flag.

Labels come as ``{mention key: person id}``; a result as ``{mention key: record id}`` plus the
set of flagged record ids. Only labelled authorships count; a record "truly combines several
researchers" when its labelled authorships belong to more than one person.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Report:
    authorships: int
    people: int
    records: int
    pairwise: Scores
    bcubed: Scores
    flag: Scores
    flagged: int
    truly_several: int
    people_split: int  # people spread over several records
    records_joined: int  # records holding several people

    def lines(self) -> list[str]:
        return [
            f"labelled authorships {self.authorships}, people {self.people}, records {self.records}",
            f"pairwise  precision {self.pairwise.precision:.3f}  recall {self.pairwise.recall:.3f}"
            f"  F1 {self.pairwise.f1:.3f}",
            f"B-cubed   precision {self.bcubed.precision:.3f}  recall {self.bcubed.recall:.3f}"
            f"  F1 {self.bcubed.f1:.3f}",
            f"flag 'may combine several researchers': {self.flagged} flagged, "
            f"{self.truly_several} truly several; precision {self.flag.precision:.2f}"
            f"  recall {self.flag.recall:.2f}",
            f"people spread over several records {self.people_split}; "
            f"records joining several people {self.records_joined}",
        ]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def evaluate(
    labels: Mapping[Any, Hashable],
    assigned: Mapping[Any, Hashable],
    flagged: Iterable[Hashable] = (),
) -> Report:
    """Compare a result with labels. Labelled authorships missing from ``assigned`` count as
    records of their own."""
    record_of = {k: assigned.get(k, ("missing", k)) for k in labels}
    cells: Counter[tuple[Hashable, Hashable]] = Counter(
        (record_of[k], person) for k, person in labels.items()
    )
    record_size: Counter[Hashable] = Counter()
    person_size: Counter[Hashable] = Counter()
    people_in_record: dict[Hashable, set] = defaultdict(set)
    records_of_person: dict[Hashable, set] = defaultdict(set)
    for (record, person), n in cells.items():
        record_size[record] += n
        person_size[person] += n
        people_in_record[record].add(person)
        records_of_person[person].add(record)
    total = sum(cells.values())
    same_both = sum(_pairs(n) for n in cells.values())
    same_record = sum(_pairs(n) for n in record_size.values())
    same_person = sum(_pairs(n) for n in person_size.values())
    pairwise = Scores(
        same_both / same_record if same_record else 1.0,
        same_both / same_person if same_person else 1.0,
    )
    b_precision = (
        sum(n * n / record_size[r] for (r, _), n in cells.items()) / total if total else 1.0
    )
    b_recall = sum(n * n / person_size[p] for (_, p), n in cells.items()) / total if total else 1.0
    flagged_set = set(flagged)
    several = {r for r, people in people_in_record.items() if len(people) > 1}
    shown = {r for r in record_size if r in flagged_set}
    hit = len(shown & several)
    flag = Scores(hit / len(shown) if shown else 1.0, hit / len(several) if several else 1.0)
    return Report(
        authorships=total,
        people=len(person_size),
        records=len(record_size),
        pairwise=pairwise,
        bcubed=Scores(b_precision, b_recall),
        flag=flag,
        flagged=len(shown),
        truly_several=len(several),
        people_split=sum(1 for recs in records_of_person.values() if len(recs) > 1),
        records_joined=len(several),
    )


def read_labels(path: str | Path) -> dict[tuple[str, int], str]:
    """A labels file in the gold-dev format: tab-separated ``arxiv_id, position, printed_name,
    person_id`` with that header. Raises ValueError with the line number on a bad line."""
    labels: dict[tuple[str, int], str] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:4]] != [
            "arxiv_id", "position", "printed_name", "person_id",
        ]:  # fmt: skip
            raise ValueError(
                f"{path}: the first line must be the header "
                "'arxiv_id<TAB>position<TAB>printed_name<TAB>person_id'"
            )
        for line, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 4:
                raise ValueError(f"{path}, line {line}: expected 4 tab-separated columns")
            try:
                position = int(row[1])
            except ValueError:
                raise ValueError(
                    f"{path}, line {line}: position {row[1]!r} is not a number"
                ) from None
            if position < 1:
                raise ValueError(f"{path}, line {line}: position must be 1 or more")
            labels[(row[0].strip(), position)] = row[3].strip()
    return labels
