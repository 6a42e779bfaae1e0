import logging

from django.apps import AppConfig
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

# Above this many touched records one full recompute is cheaper than an incremental one.
FULL_RECOMPUTE_ABOVE = 50_000


def enqueue_recompute(sender, author_ids, authorships_changed: bool = False, **kwargs) -> None:
    """Enqueue the recompute of the changed author records once the change is committed.

    When authorships changed (imports, curation) the ids list every record on the works
    concerned; otherwise (claims, follows, owner edits) a verification level may have changed,
    which counts in the records' close collaborators' scores too: they are recomputed with them."""
    if not getattr(settings, "BZPEER_SCORES_ON_CHANGE", True) or not author_ids:
        return
    from graph import tasks

    ids = sorted({int(i) for i in author_ids})
    if len(ids) > FULL_RECOMPUTE_ABOVE:
        transaction.on_commit(lambda: _enqueue(tasks.recompute_all, ids))
    else:
        with_collaborators = not authorships_changed
        transaction.on_commit(
            lambda: _enqueue(tasks.recompute_authors, ids, ids, with_collaborators)
        )


def _enqueue(task, ids: list[int], *args) -> None:
    """Send the recompute; with the broker down the change itself is already stored, so the
    request still succeeds and the nightly full recompute brings the counters up to date."""
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import RedisError

    try:
        task.delay(*args)
    except (BrokerError, RedisError, OSError) as exc:  # the broker cannot be reached
        log.error(
            "broker unavailable (%s): recompute of %d author record(s) %s not enqueued; the "
            "nightly full recompute will catch up",
            type(exc).__name__,
            len(ids),
            ids[:20],
        )


class GraphConfig(AppConfig):
    name = "graph"
    verbose_name = "Research graph"

    def ready(self) -> None:
        from graph.counters import recount_on_signal
        from publications.signals import author_records_changed, counters_stale

        author_records_changed.connect(enqueue_recompute, dispatch_uid="graph.recompute")
        counters_stale.connect(recount_on_signal, dispatch_uid="graph.recount")
