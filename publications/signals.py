"""Signals of the catalogue, so that the apps built on it (profiles, graph) react without a reverse
import. Both are about author records; every sender in every app uses these two."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.dispatch import Signal

# "These author records changed." Sent after commit by every change of author records: their
# authorships (imports, curation, the identity engine, an owner's "not mine"/"mine":
# ``authorships_changed=True``, and the ids then list every record on the works concerned) or what
# people did with them (claims, follows, owner edits: ``authorships_changed=False``, and the
# records' close collaborators are affected too, e.g. through a verification level).
# Receivers get ``author_ids`` (a sorted list of ids) and ``authorships_changed``.
author_records_changed = Signal()

# "The follows or authorships of these records moved in this transaction." Sent inside the
# transaction, before commit, so that graph (the one writer of the stored counters) recounts them
# at once: the page shown right after the change shows the right counts. Receivers get
# ``author_ids``, ``works`` and ``followers`` (which counters to recount); a follow sends its one
# record with ``followers_delta`` (+1/-1) and graph's receiver returns the new followers count.
counters_stale = Signal()


def author_records_changed_on_commit(
    author_ids: Iterable[int], *, authorships_changed: bool, sender=None
) -> None:
    """Send ``author_records_changed`` once the current transaction commits (at once outside
    one). Curation sends it with no ids too (a hidden work): caches of lists still drop."""
    ids = sorted({int(i) for i in author_ids})
    held = getattr(_holding, "changes", None)
    if held is not None:
        (held.authorships if authorships_changed else held.people).update(ids)
        return
    transaction.on_commit(
        lambda: author_records_changed.send(
            sender=sender, author_ids=ids, authorships_changed=authorships_changed
        )
    )


@dataclass
class HeldChanges:
    authorships: set[int] = field(default_factory=set)  # authorships_changed=True
    people: set[int] = field(default_factory=set)  # authorships_changed=False


_holding = threading.local()


@contextmanager
def author_changes_held(sender=None) -> Iterator[HeldChanges]:
    """Hold the ``author_records_changed`` notifications sent inside the block and send them
    once at its end (after commit): an import of several files followed by the identity pass
    has counters and scores recomputed once, not after each file and each batch of merges.
    Nested blocks hold into the outermost one. Sent even when the block fails: what committed
    before the failure changed."""
    if getattr(_holding, "changes", None) is not None:
        yield _holding.changes
        return
    held = _holding.changes = HeldChanges()
    try:
        yield held
    finally:
        _holding.changes = None
        if held.authorships:
            author_records_changed_on_commit(
                held.authorships, authorships_changed=True, sender=sender
            )
        if held.people:
            author_records_changed_on_commit(held.people, authorships_changed=False, sender=sender)
