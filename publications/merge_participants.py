"""The rows other apps hang on author records (a person's follow, claim or invitation), moved by
the catalogue's merges of records and moved back by their undo.

The catalogue merges records (publications/curation.py, the identity engine in
publications/identity_service.py) but owns only the records and their authorships. An app whose
rows point to author records registers a ``MergeParticipant`` in its ``AppConfig.ready()``; the
catalogue calls every participant, in the order they registered, inside its own transaction:

- ``preview``: what the merge would do to its rows, and what stops it (appended to the
  conflicts); its answer is shown on the curators' preview page (``preview.parts.<name>``) and
  handed back to ``move``;
- ``move``: moves its rows from one merged record to the kept one and says what moved (JSON
  stored in the merge event's ``before``, its own flat keys next to the catalogue's) and which
  user, if any, owns the merged record;
- ``move_back`` and ``keep_for_still_merged``: the undo, and a partial undo's care for the
  records still merged;
- ``records_with_rows``: which records carry its rows (the identity engine merges those through
  the curation merge, others set-based);
- ``record_split``: a record was split (some of its works moved to a new record), in the split's
  transaction; profiles tells the record's followers (its SplitNotice rows).

A plain registry rather than signals: the catalogue needs each participant's answer, in order.
With no participant registered a merge moves authorships alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from publications.models import Author, CurationEvent

PlanT = TypeVar("PlanT")
BackT = TypeVar("BackT")


@dataclass(frozen=True, slots=True)
class Moved:
    """What a participant moved when one record was merged into another."""

    # Stored in the merge event's ``before`` (JSON), read back by ``move_back``.
    stored: dict[str, Any]
    # The user who owns the merged record by the participant's rows: they own the kept record
    # too if it had no owner.
    owner: int | None = None


@dataclass(frozen=True, slots=True)
class MovedBack(Generic[BackT]):
    """What a participant moved back when a merge was undone."""

    # Added to the undo event's ``after`` (JSON).
    after: dict[str, Any] = field(default_factory=dict)
    # The merged record's owner came back with it: the kept record gets its owner (and level)
    # from before the merge again.
    owner_back: bool = False
    # What ``keep_for_still_merged`` needs (anything falsy: nothing to keep).
    for_still_merged: BackT | None = None


class MergeParticipant(Protocol[PlanT, BackT]):
    """An app's rows on author records, as the catalogue's merges and their undo see them."""

    # The name of its part of a merge preview.
    name: str

    def preview(self, *, kept: Author, merged: list[Author], conflicts: list[str]) -> PlanT:
        """What merging ``merged`` into ``kept`` would do to its rows; appends to ``conflicts``
        what stops the merge. Reads only."""
        ...

    def move(self, *, kept: Author, record: Author, plan: PlanT) -> Moved:
        """Move its rows from ``record`` (one of the merged records) to ``kept``, as ``plan``
        (the preview's answer) says."""
        ...

    def move_back(
        self, *, record: Author, current: int, merge: CurationEvent, stored: Mapping[str, Any]
    ) -> MovedBack[BackT]:
        """Undo the merge of ``record``: what ``move`` stored (``stored``) moves back from
        ``current`` (the kept record, or where it was merged since) to ``record``."""
        ...

    def keep_for_still_merged(
        self,
        *,
        record_id: int,
        current: int,
        back: BackT,
        still_merged: Mapping[int, Mapping[str, Any]],
    ) -> dict[str, Any]:
        """After a partial undo (one record of a merge of several): give back to ``current`` what
        records still merged into it (``still_merged``: record id → what ``move`` stored at its
        merge) gave up as duplicates of rows that ``record_id`` took back. Returns what it kept
        (JSON, added to the undo event's ``after``)."""
        ...

    def nothing_moved(self) -> dict[str, Any]:
        """What ``move`` stores when the record had none of its rows."""
        ...

    def records_with_rows(self, *, author_ids: list[int]) -> set[int]:
        """Those of ``author_ids`` that carry its rows (1 query per kind of row)."""
        ...

    def claimants(self, *, author_ids: list[int]) -> set[int]:
        """The users with a pending claim on any of ``author_ids`` (they have a stake in what
        happens to those records: a curator among them never decides it). 1 query."""
        ...

    def record_split(self, *, record: Author, new: Author) -> None:
        """Some of ``record``'s works were moved to ``new`` (a curator's split), in the split's
        transaction: what the app does about its rows on ``record`` (they stay on it)."""
        ...


_registry: dict[str, MergeParticipant[Any, Any]] = {}


def register_merge_participant(participant: MergeParticipant[Any, Any]) -> None:
    """Called from an ``AppConfig.ready()``; registering the same name again replaces it."""
    _registry[participant.name] = participant


def merge_participants() -> list[MergeParticipant[Any, Any]]:
    """Every registered participant, in the order they registered."""
    return list(_registry.values())


def merge_stored(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The participants' stored parts as one flat mapping; two participants never share a key."""
    out: dict[str, Any] = {}
    for part in parts:
        shared = out.keys() & part.keys()
        if shared:
            raise ValueError(f"Two merge participants store {', '.join(sorted(shared))}.")
        out.update(part)
    return out


def kept_for_since(*, record_id: int, merge: CurationEvent, key: str) -> list[int]:
    """Ids that partial undos since ``merge`` kept on the kept record on behalf of this record
    (``key`` of their ``after``, as ``keep_for_still_merged`` returned it). 1 query."""
    events = CurationEvent.objects.filter(
        action="unmerge",
        created_at__gte=merge.created_at,
        **{f"after__{key}__has_key": str(record_id)},
    ).values_list("after", flat=True)
    return [pk for after in events for pk in after[key][str(record_id)]]
