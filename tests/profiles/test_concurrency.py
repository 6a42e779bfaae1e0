"""Concurrency on real PostgreSQL: many users following and unfollowing at once keep the counter
exact; two approvals of claims on one record cannot both win. Each thread has its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from profiles.claims import claim_approve, claim_create
from profiles.models import Claim, ClaimState, Follow
from publications.models import Author
from tests.factories import AuthorFactory, ClaimFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs: list[Callable[[], object]]) -> list[object]:
    """Start all jobs at the same barrier; return each job's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(i: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _http_post(user, path: str):
    def job():
        client = Client()
        client.force_login(user)
        return client.post(path, headers={"Accept": "application/json"}).status_code

    return job


def test_many_users_following_at_once_keep_the_count_exact():
    author = AuthorFactory()
    users = UserFactory.create_batch(12)
    path = f"/authors/{author.slug}/follow/"
    # Every user posts twice at once: twelve follows, the duplicates change nothing.
    results = run_together([_http_post(u, path) for u in users] * 2)
    assert results == [200] * 24
    author.refresh_from_db()
    assert author.followers_count == Follow.objects.filter(author=author).count() == 12


def test_follows_and_unfollows_at_once_keep_the_count_exact():
    author = AuthorFactory()
    stayers = UserFactory.create_batch(6)
    leavers = UserFactory.create_batch(6)
    client = Client()
    for user in leavers:
        client.force_login(user)
        client.post(f"/authors/{author.slug}/follow/")
    jobs = [_http_post(u, f"/authors/{author.slug}/follow/") for u in stayers]
    jobs += [_http_post(u, f"/authors/{author.slug}/unfollow/") for u in leavers]
    jobs += [_http_post(u, f"/authors/{author.slug}/unfollow/") for u in leavers]
    assert run_together(jobs) == [200] * 18
    author.refresh_from_db()
    assert author.followers_count == Follow.objects.filter(author=author).count() == 6
    assert set(Follow.objects.values_list("user_id", flat=True)) == {u.pk for u in stayers}


def test_two_concurrent_approvals_on_one_record_only_one_wins():
    author = AuthorFactory()
    first, second = ClaimFactory(author=author), ClaimFactory(author=author)
    curator_a, curator_b = CuratorFactory(), CuratorFactory()
    results = run_together(
        [
            lambda: claim_approve(claim=first, reviewer=curator_a),
            lambda: claim_approve(claim=second, reviewer=curator_b),
        ]
    )
    wins = [r for r in results if isinstance(r, Claim)]
    losses = [r for r in results if isinstance(r, ValidationError)]
    assert len(wins) == 1 and len(losses) == 1, results
    author.refresh_from_db()
    assert author.claimed_by_id == wins[0].user_id
    assert Claim.objects.filter(author=author, state=ClaimState.APPROVED).count() == 1


def test_two_users_with_strong_evidence_claiming_at_once_cannot_both_win(monkeypatch):
    # Both claims carry L3 evidence (an ORCID proven by sign-in), so each tries to approve itself.
    from allauth.socialaccount.models import SocialAccount

    author = AuthorFactory()
    users = [UserFactory(), UserFactory()]
    orcids = ["0000-0002-1825-0097", "0000-0001-5109-3700"]
    for user, orcid in zip(users, orcids, strict=True):
        SocialAccount.objects.create(user=user, provider="orcid", uid=orcid)
    results = run_together(
        [
            lambda u=u, o=o: claim_create(user=u, author=author, evidence={"orcid": o})
            for u, o in zip(users, orcids, strict=True)
        ]
    )
    assert all(isinstance(r, Claim) for r in results), results
    states = sorted(Claim.objects.filter(author=author).values_list("state", flat=True))
    assert states == ["approved", "pending"]
    author = Author.objects.get(pk=author.pk)
    assert author.claimed_by_id in {u.pk for u in users} and author.verification_level == 3


def test_the_database_refuses_a_second_approved_claim():
    from django.db import IntegrityError

    author = AuthorFactory()
    ClaimFactory(author=author, state=ClaimState.APPROVED)
    with pytest.raises(IntegrityError):
        ClaimFactory(author=author, state=ClaimState.APPROVED)
