"""E-mail digests of new works by followed records: opt-in settings, the daily beat sending in
batches, each work sent once, one-click unsubscribe without login (and its mail headers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from profiles import digests
from profiles.digests import digest_subscription_set, digest_unsubscribe_token
from profiles.follows import follow_author
from profiles.models import DigestItem, DigestSubscription
from profiles.tasks import send_due_digests
from publications.models import Author
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def new_work(author, title, days_ago=1):
    work = WorkFactory(title=title, first_submitted=timezone.now() - dt.timedelta(days=days_ago))
    AuthorshipFactory(work=work, author=author, printed_name=author.display_name)
    return work


@pytest.fixture
def reader():
    user = UserFactory(username="reader")
    followed = AuthorFactory(display_name="Vera Rubin")
    follow_author(user=user, author=followed)
    return user, followed


def subscribe(user, frequency="weekly", ago=dt.timedelta(days=1)):
    digest_subscription_set(user=user, frequency=frequency)
    DigestSubscription.objects.filter(user=user).update(subscribed_at=timezone.now() - ago)


def test_weekly_digest_lists_new_works_once_with_one_click_unsubscribe(reader):
    user, followed = reader
    subscribe(user)
    new_work(followed, "Flat rotation curves")
    new_work(AuthorFactory(), "A work by someone not followed")

    assert send_due_digests.delay().get() == {"users": 1, "batches": 1}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Flat rotation curves" in message.body and "Vera Rubin" in message.body
    assert "someone not followed" not in message.body
    token = digest_unsubscribe_token(user_id=user.pk)
    assert message.extra_headers["List-Unsubscribe"].endswith(f"/digest/unsubscribe/{token}/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.alternatives[0][0]
    assert "Flat rotation curves" in html and f"/digest/unsubscribe/{token}/" in html

    # Safe to run twice: the period is not over, and the work was recorded as sent.
    send_due_digests.delay()
    assert len(mail.outbox) == 1
    # A week later, only what is new since is sent.
    later = timezone.now() + dt.timedelta(days=7)
    new_work(followed, "Dark matter halos")
    assert digests.send_digest(user_id=user.pk, now=later) == 1
    assert "Dark matter halos" in mail.outbox[1].body
    assert "Flat rotation curves" not in mail.outbox[1].body
    assert DigestItem.objects.filter(user=user).count() == 2
    assert digests.send_digest(user_id=user.pk, now=later + dt.timedelta(days=7)) == 0
    assert len(mail.outbox) == 2


def test_daily_subscribers_are_due_every_day_weekly_ones_every_seventh(reader):
    user, followed = reader
    weekly = UserFactory()
    follow_author(user=weekly, author=followed)
    subscribe(user, "daily")
    subscribe(weekly, "weekly")
    now = timezone.now()
    assert digests.users_due(now=now) == sorted([user.pk, weekly.pk])
    DigestSubscription.objects.update(last_sent_at=now)
    assert digests.users_due(now=now + dt.timedelta(days=1)) == [user.pk]
    assert digests.users_due(now=now + dt.timedelta(days=7)) == sorted([user.pk, weekly.pk])


def test_nothing_is_sent_without_opting_in_or_without_new_works(reader):
    user, followed = reader
    new_work(followed, "Recent but nobody opted in")
    send_due_digests.delay()
    assert mail.outbox == []
    subscribe(user, ago=dt.timedelta(0))
    new_work(followed, "Published long ago", days_ago=400)  # an import of old records is not news
    send_due_digests.delay()
    assert mail.outbox == []


def test_works_known_before_opting_in_and_hidden_records_are_left_out(reader):
    user, followed = reader
    new_work(followed, "Known before opting in")
    digest_subscription_set(user=user, frequency="daily")
    hidden = AuthorFactory()
    follow_author(user=user, author=hidden)
    new_work(followed, "Known after opting in")
    new_work(hidden, "By a record its owner hid")
    Author.objects.filter(pk=hidden.pk).update(hidden=True)
    assert digests.send_digest(user_id=user.pk) == 1
    body = mail.outbox[0].body
    assert "Known after opting in" in body
    assert "Known before" not in body and "its owner hid" not in body


def test_batches_of_users(reader, settings, monkeypatch):
    monkeypatch.setattr(digests, "BATCH", 2)
    _, followed = reader
    users = [UserFactory() for _ in range(5)]
    for user in users:
        follow_author(user=user, author=followed)
        subscribe(user)
    new_work(followed, "For five readers")
    assert send_due_digests.delay().get() == {"users": 5, "batches": 3}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)


def test_settings_page_needs_login_and_a_verified_address(client, reader):
    user, _ = reader
    assert client.get("/settings/digest/").status_code == 302
    client.force_login(user)
    assert 'value="weekly"' in client.get("/settings/digest/").content.decode()
    client.post("/settings/digest/", {"frequency": "daily"})
    assert DigestSubscription.objects.get(user=user).frequency == "daily"
    response = client.post("/settings/digest/", {"frequency": "hourly"}, follow=True)
    assert "Choose daily, weekly or no e-mail." in response.content.decode()
    unverified = UserFactory(verified_email=False)
    client.force_login(unverified)
    response = client.post("/settings/digest/", {"frequency": "weekly"}, follow=True)
    assert "Verify your e-mail address first" in response.content.decode()
    assert not DigestSubscription.objects.filter(user=unverified, frequency="weekly").exists()


def test_unsubscribe_link_works_without_login_and_cannot_be_forged(client, reader):
    user, _ = reader
    subscribe(user)
    token = digest_unsubscribe_token(user_id=user.pk)
    page = client.get(f"/digest/unsubscribe/{token}/")
    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    assert DigestSubscription.objects.get(user=user).frequency == "weekly"  # GET changes nothing
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/digest/unsubscribe/{forged}/").status_code == 400
    assert client.post(f"/digest/unsubscribe/{user.pk}/").status_code == 400
    assert DigestSubscription.objects.get(user=user).frequency == "weekly"
    # The mail client's one-click POST (RFC 8058 body), with no session and no CSRF token.
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        f"/digest/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and "You are unsubscribed" in response.content.decode()
    assert DigestSubscription.objects.get(user=user).frequency == "off"
    assert digests.users_due() == []
