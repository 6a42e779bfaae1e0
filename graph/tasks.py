"""Celery tasks that keep counters and trust scores current: thin wrappers over graph.services.

Both are safe to run twice (recompute and overwrite), so acks_late redelivery is harmless.
"""

from __future__ import annotations

import logging

from celery import shared_task

from graph import services

log = logging.getLogger(__name__)

TASK_OPTIONS = {"acks_late": True, "time_limit": 30 * 60, "soft_time_limit": 25 * 60}


@shared_task(**TASK_OPTIONS)
def recompute_authors(author_ids: list[int], with_collaborators: bool = True) -> dict[str, int]:
    """Recompute the given author records (and their close collaborators)."""
    return services.recompute_authors(author_ids, with_collaborators=with_collaborators).as_dict()


@shared_task(**TASK_OPTIONS)
def recompute_all() -> dict[str, int]:
    """Recompute every author record (nightly); the result says how many records changed."""
    result = services.recompute_all()
    log.info(
        "full recompute: %s records, %s changed, %s score changes",
        result.scope,
        result.changed,
        result.score_changes,
    )
    return result.as_dict()
