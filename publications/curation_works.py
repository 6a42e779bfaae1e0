"""Curation of works, scores and record fields: hide/restore and re-import works, recompute the
counters and scores of records, decide the "may combine several researchers" flag, edit the few
fields of a record a curator may change by hand. Same rules as
publications.curation: curators only, one transaction, a CurationEvent per change, and
``author_records_changed`` after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from bzpeer.celery import app as celery_app
from publications import harvest
from publications.arxiv.clients import ArxivError, ArxivRequestError, DeadlineClient
from publications.curation import (
    CurationError,
    authors_changed_on_commit,
    refresh_counts,
    require_curator_actor,
)
from publications.models import (
    Author,
    Authorship,
    CurationEvent,
    ImportRun,
    MayCombineSeveralDecision,
    Work,
    shows_may_combine_several,
)
from publications.tasks import reimport_work

# Seconds a curator's page may wait for arXiv when no worker is configured (gunicorn's default
# worker timeout is 30 s).
REIMPORT_INLINE_DEADLINE = 20.0


@transaction.atomic
def work_set_hidden(
    *, work_id: int, hidden: bool, actor: Any, reason: str = ""
) -> CurationEvent | None:
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


def workers_configured() -> bool:
    """Whether Celery hands tasks to workers (REDIS_URL set) rather than running them inline."""
    return not celery_app.conf.task_always_eager


@dataclass
class ReimportOutcome:
    queued: list[str] = field(default_factory=list)  # handed to the workers
    run: ImportRun | None = None  # imported now (no worker configured)
    error: str = ""  # arXiv did not answer in time, or refused: nothing was re-imported


def works_reimport(*, work_ids: list[int], actor: Any) -> ReimportOutcome:
    """Fetch works from the arXiv API again. With workers, one task per work after commit.
    Without (tasks run inline), the fetch runs here while the curator waits, so it is cut off
    after REIMPORT_INLINE_DEADLINE seconds, waits and retries included, with a message instead
    of a web worker held until it is killed. Safe to run twice: imports are idempotent and
    curated attributions survive them. A CurationEvent per work either way."""
    require_curator_actor(actor)
    with transaction.atomic():
        works = list(
            Work.objects.filter(pk__in=work_ids)
            .order_by("pk")
            .values_list("arxiv_id", "version_count")
        )
        if not works:
            raise CurationError("Choose at least one work.")
        CurationEvent.objects.bulk_create(
            [
                CurationEvent(
                    actor=actor,
                    action="reimport",
                    target_type="work",
                    target_id=arxiv_id,
                    after={"version_count": versions},
                )
                for arxiv_id, versions in works
            ]
        )
        ids = [arxiv_id for arxiv_id, _ in works]
        if workers_configured():
            transaction.on_commit(lambda: [reimport_work.delay(i) for i in ids])
            return ReimportOutcome(queued=ids)
    client = DeadlineClient(
        settings.ARXIV_USER_AGENT,
        seconds=REIMPORT_INLINE_DEADLINE,
        min_interval=settings.ARXIV_MIN_INTERVAL,
        pacer=harvest.default_pacer(),
    )
    try:
        run = harvest.fetch_works(ids, client=client)
    except ArxivRequestError as exc:
        return ReimportOutcome(
            error=f"arXiv refused the request ({exc.status}); nothing was re-imported."
        )
    except ArxivError:
        return ReimportOutcome(
            error=(
                f"arXiv did not answer within {REIMPORT_INLINE_DEADLINE:.0f} seconds, so nothing was "
                "re-imported. No worker is configured, so re-imports run while you wait: try again "
                "later, or run a Celery worker (set REDIS_URL) to re-import in the background."
            )
        )
    return ReimportOutcome(run=run)


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
            CurationEvent(
                actor=actor,
                action="recompute",
                target_type="author",
                target_id=str(pk),
                author_id=pk,
            )
            for pk in ids
        ]
    )


@transaction.atomic
def authors_decide_several(
    *, author_ids: list[int], decision: str, actor: Any, note: str = ""
) -> int:
    """Record a curator's decision about "may combine several researchers": ``"one"`` clears
    the flag, ``"several"`` flags the record, ``""`` hands the question back to the recompute.
    The recompute keeps computing its own value and respects the decision (penalty, queue).
    Safe to run twice: records that already hold the decision are left alone and get no event.
    Returns how many records changed."""
    require_curator_actor(actor)
    if decision not in MayCombineSeveralDecision.values:
        raise CurationError(f"Unknown decision {decision!r}.")
    records = list(
        Author.objects.select_for_update()
        .filter(pk__in=author_ids)
        .exclude(several_decision=decision)
        .order_by("pk")
    )
    ids = [a.pk for a in records]
    Author.objects.filter(pk__in=ids).update(several_decision=decision)
    action = {"one": "unflag", "several": "flag", "": "flag_to_recompute"}[decision]
    CurationEvent.objects.bulk_create(
        [
            CurationEvent(
                actor=actor,
                action=action,
                target_type="author",
                target_id=str(a.pk),
                author_id=a.pk,
                note=note,
                before={
                    "several_decision": a.several_decision,
                    "flagged": a.shows_may_combine_several,
                    "computed": a.may_combine_several,
                },
                after={
                    "several_decision": decision,
                    "flagged": shows_may_combine_several(
                        computed=a.may_combine_several, decision=decision
                    ),
                    "computed": a.may_combine_several,
                },
            )
            for a in records
        ]
    )
    authors_changed_on_commit(ids)
    return len(ids)


# What a curator may change by hand on an author record: how the name is shown and spelled, and
# the institution; the bio for moderation. Everything else has its own audited path: the owner
# (claims) sets bio/institution/open to collaborate, merges and splits move works and owners,
# the recompute writes counters, scores and the computed flag, flag decisions have their actions.
CURATOR_EDITABLE_FIELDS = ("display_name", "name_variants", "institution", "bio")
NAME_VARIANTS_LIMIT = 50


def _audit_value(field: str, value: Any) -> Any:
    if field == "institution":
        return getattr(value, "pk", value)
    return list(value) if isinstance(value, list | tuple) else value


@transaction.atomic
def author_curator_edit(
    *, author_id: int, changes: dict[str, Any], actor: Any, note: str = ""
) -> CurationEvent | None:
    """Change some of CURATOR_EDITABLE_FIELDS of a record, with a CurationEvent holding each
    changed field before and after. Any other field is refused (nothing is changed). Safe to
    run twice: the second run changes nothing and writes no event (returns None)."""
    require_curator_actor(actor)
    refused = sorted(set(changes) - set(CURATOR_EDITABLE_FIELDS))
    if refused:
        raise CurationError(
            f"Curators do not edit {', '.join(refused)} by hand: claims, merges, splits, flag "
            "decisions and the recompute change them."
        )
    author = Author.objects.select_for_update().filter(pk=author_id).first()
    if author is None:
        raise CurationError(f"No author record with id {author_id}.")
    wanted = dict(changes)
    if "display_name" in wanted:
        wanted["display_name"] = " ".join(str(wanted["display_name"] or "").split())
        if not wanted["display_name"]:
            raise CurationError("A record needs a display name.")
    if "name_variants" in wanted:
        variants = [" ".join(str(v).split()) for v in wanted["name_variants"] or []]
        wanted["name_variants"] = list(dict.fromkeys(v for v in variants if v))
        if len(wanted["name_variants"]) > NAME_VARIANTS_LIMIT:
            raise CurationError(f"At most {NAME_VARIANTS_LIMIT} name variants.")
    if "bio" in wanted:
        wanted["bio"] = str(wanted["bio"] or "").strip()
    before, after = {}, {}
    for name, value in wanted.items():
        old = _audit_value(name, getattr(author, name))
        new = _audit_value(name, value)
        if old != new:
            key = "institution_id" if name == "institution" else name
            before[key], after[key] = old, new
            setattr(author, name, value)
    if not after:
        return None
    fields = ["institution" if k == "institution_id" else k for k in after]
    author.save(update_fields=[*fields, "updated_at"])
    event = CurationEvent.objects.create(
        actor=actor,
        action="edit",
        target_type="author",
        target_id=str(author.pk),
        author=author,
        before=before,
        after=after,
        note=note,
    )
    authors_changed_on_commit([author.pk])
    return event
