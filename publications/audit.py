"""The audit log: every change made by a person (owner or curator) or a worker is appended here."""

from __future__ import annotations

from publications.models import Author, CurationEvent


def record_event(
    *,
    actor,
    action: str,
    target_type: str,
    target_id,
    author: Author | None = None,
    before=None,
    after=None,
    note: str = "",
) -> CurationEvent:
    """Append one event; an anonymous actor (a worker, a script) is stored as no one."""
    return CurationEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        author=author,
        before=before or {},
        after=after or {},
        note=note,
    )
