"""Curation of works and scores: hide/restore and re-import works, recompute the counters and
scores of records, flag records that may combine several researchers. Same rules as
publications.curation: curators only, one transaction, a CurationEvent per change, and
``authors_changed`` after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from profiles.models import Author, CurationEvent
from publications.curation import (
    CurationError,
    authors_changed_on_commit,
    refresh_counts,
    require_curator_actor,
)
from publications.models import Authorship, Work


@transaction.atomic
def work_set_hidden(*, work_id: int, hidden: bool, actor: Any, reason: str = "") -> CurationEvent | None:
    """Hide a work from every page (or show it again). Safe to run twice: the second run changes
    nothing and writes no event (returns None)."""
    require_curator_actor(actor)
    work = Work.objects.select_for_update().filter(pk=work_id).first()
    if work is None:
        raise CurationError(f"No work with id {work_id}.")
    if hidden and not reason.strip():
        raise CurationError("Say why the work is hidden.")
    if work.hidden == hidden:
        return None
    before = {"hidden": work.hidden, "hidden_reason": work.hidden_reason}
    Work.objects.filter(pk=work.pk).update(hidden=hidden, hidden_reason=reason if hidden else "")
    event = CurationEvent.objects.create(
        actor=actor,
        action="hide" if hidden else "restore",
        target_type="work",
        target_id=work.arxiv_id,
        before=before,
        after={"hidden": hidden, "hidden_reason": reason if hidden else ""},
        note=reason,
    )
    author_ids = list(Authorship.objects.filter(work=work).values_list("author_id", flat=True))
    refresh_counts(author_ids)
    authors_changed_on_commit(author_ids)
    return event


@transaction.atomic
def work_reimport(*, work_id: int, actor: Any) -> CurationEvent:
    """Enqueue a fresh fetch of the work from the arXiv API after commit. Safe to run twice:
    the import is idempotent and curated attributions survive it."""
    from publications.tasks import reimport_work

    require_curator_actor(actor)
    work = Work.objects.filter(pk=work_id).first()
    if work is None:
        raise CurationError(f"No work with id {work_id}.")
    arxiv_id = work.arxiv_id
    transaction.on_commit(lambda: reimport_work.delay(arxiv_id))
    return CurationEvent.objects.create(
        actor=actor, action="reimport", target_type="work", target_id=arxiv_id,
        after={"version_count": work.version_count},
    )


@transaction.atomic
def authors_recompute(*, author_ids: list[int], actor: Any) -> list[CurationEvent]:
    """Refresh the counters now and ask the score workers to recompute after commit. Safe to
    run twice (recompute and overwrite)."""
    require_curator_actor(actor)
    ids = sorted(set(Author.objects.filter(pk__in=author_ids).values_list("pk", flat=True)))
    if not ids:
        raise CurationError("Choose at least one author record.")
    refresh_counts(ids)
    authors_changed_on_commit(ids)
    return CurationEvent.objects.bulk_create(
        [
            CurationEvent(actor=actor, action="recompute", target_type="author",
                          target_id=str(pk), author_id=pk)
            for pk in ids
        ]
    )



@transaction.atomic
def authors_set_flag(*, author_ids: list[int], flagged: bool, actor: Any) -> int:
    """Set or clear "may combine several researchers". Safe to run twice: records already in
    that state are left alone and get no event. Returns how many records changed."""
    require_curator_actor(actor)
    ids = list(
        Author.objects.filter(pk__in=author_ids)
        .exclude(may_combine_several=flagged)
        .values_list("pk", flat=True)
    )
    Author.objects.filter(pk__in=ids).update(may_combine_several=flagged)
    CurationEvent.objects.bulk_create(
        [
            CurationEvent(actor=actor, action="flag" if flagged else "unflag",
                          target_type="author", target_id=str(pk), author_id=pk,
                          before={"may_combine_several": not flagged},
                          after={"may_combine_several": flagged})
            for pk in ids
        ]
    )
    authors_changed_on_commit(ids)
    return len(ids)
