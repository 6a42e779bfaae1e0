"""Follower counts stay exact while recomputes run: follows committed between a recompute's read
and its write are not overwritten."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from graph import services
from profiles.follows import follow_author, unfollow_author
from profiles.models import Follow
from publications.models import Author
from tests.factories import AuthorFactory, UserFactory


def _in_thread(fn) -> None:
    """Run ``fn`` on its own database connection and commit, like another web worker."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_follows_committed_while_a_recompute_runs_are_kept(monkeypatch, settings):
    settings.BZPEER_SCORES_ON_CHANGE = False
    author = AuthorFactory()
    users = [UserFactory() for _ in range(8)]
    for user in users[:3]:
        follow_author(user=user, author=author)
    Author.objects.filter(pk=author.pk).update(followers_count=0)  # drifted: the recompute fixes it
    original = services._several_people

    def follows_meanwhile(cursor, rows):
        flagged = original(cursor, rows)

        # The recompute has read; five people follow and one leaves before it writes.
        def act() -> None:
            for user in users[3:]:
                follow_author(user=user, author=Author.objects.get(pk=author.pk))
            unfollow_author(user=users[0], author=Author.objects.get(pk=author.pk))

        _in_thread(act)
        return flagged

    monkeypatch.setattr(services, "_several_people", follows_meanwhile)
    services.recompute_all()
    monkeypatch.undo()

    author.refresh_from_db()
    # The follows' own increments stand (0 + 5 - 1); nothing they did is lost.
    assert author.followers_count == 4
    # The next recompute (each follow enqueues one) repairs the old drift exactly.
    services.recompute_all()
    author.refresh_from_db()
    assert author.followers_count == Follow.objects.filter(author=author).count() == 7


@pytest.mark.django_db(transaction=True)
def test_concurrent_follows_and_recomputes_end_exact(settings):
    settings.BZPEER_SCORES_ON_CHANGE = False
    author = AuthorFactory()
    users = [UserFactory() for _ in range(30)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def recompute_loop() -> None:
        try:
            while not stop.is_set():
                services.recompute_authors([author.pk])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    def follower(chunk: list) -> None:
        try:
            for user in chunk:
                follow_author(user=user, author=Author.objects.get(pk=author.pk))
            for user in chunk[::2]:
                unfollow_author(user=user, author=Author.objects.get(pk=author.pk))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    recomputer = threading.Thread(target=recompute_loop)
    recomputer.start()
    followers = [threading.Thread(target=follower, args=(users[i::3],)) for i in range(3)]
    for t in followers:
        t.start()
    for t in followers:
        t.join(120)
    stop.set()
    recomputer.join(120)

    assert errors == []
    author.refresh_from_db()
    assert author.followers_count == Follow.objects.filter(author=author).count() == 15
