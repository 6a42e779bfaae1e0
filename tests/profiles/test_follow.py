"""Following: services, the profile's follow form (with and without JavaScript), /following/ and
its Atom feed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from profiles.follows import follow_author, unfollow_author
from profiles.models import Follow
from publications.models import Author
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def test_follow_twice_is_one_follow_and_counts_once():
    user, author = UserFactory(), AuthorFactory()
    assert follow_author(user=user, author=author) is True
    assert follow_author(user=user, author=author) is False
    assert Follow.objects.filter(user=user, author=author).count() == 1
    assert Author.objects.get(pk=author.pk).followers_count == 1
    assert unfollow_author(user=user, author=author) is True
    assert unfollow_author(user=user, author=author) is False
    assert Author.objects.get(pk=author.pk).followers_count == 0


def test_anonymous_cannot_follow():
    with pytest.raises(PermissionDenied):
        follow_author(user=AnonymousUser(), author=AuthorFactory())


def test_follow_form_without_javascript_redirects_to_profile(client):
    user, author = UserFactory(), AuthorFactory()
    client.force_login(user)
    response = client.post(f"/authors/{author.slug}/follow/")
    assert response.status_code == 302 and response["Location"] == author.get_absolute_url()
    page = client.get(author.get_absolute_url()).content.decode()
    assert "Following · Unfollow" in page
    assert "<strong data-followers-count>1</strong>" in page
    client.post(f"/authors/{author.slug}/unfollow/")
    page = client.get(author.get_absolute_url()).content.decode()
    assert "<strong data-followers-count>0</strong>" in page


def test_follow_with_fetch_gets_json_with_the_exact_count(client):
    author = AuthorFactory()
    for user in UserFactory.create_batch(3):
        follow_author(user=user, author=author)
    me = UserFactory()
    client.force_login(me)
    headers = {"Accept": "application/json"}
    data = client.post(f"/authors/{author.slug}/follow/", headers=headers).json()
    assert data == {"following": True, "followers_count": 4}
    data = client.post(f"/authors/{author.slug}/follow/", headers=headers).json()
    assert data == {"following": True, "followers_count": 4}
    data = client.post(f"/authors/{author.slug}/unfollow/", headers=headers).json()
    assert data == {"following": False, "followers_count": 3}


def test_visitor_who_clicks_follow_logs_in_and_comes_back(client):
    author = AuthorFactory()
    response = client.post(f"/authors/{author.slug}/follow/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=%2Fauthors%2F{author.slug}%2F"
    assert (
        client.post(
            f"/authors/{author.slug}/follow/", headers={"Accept": "application/json"}
        ).status_code
        == 401
    )
    UserFactory(username="back", email="back@example.org")
    response = client.post(
        f"/accounts/login/?next=/authors/{author.slug}/",
        {"login": "back", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302 and response["Location"] == f"/authors/{author.slug}/"
    assert Follow.objects.count() == 0


def test_follow_requires_csrf():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    author = AuthorFactory()
    client.force_login(UserFactory())
    assert client.post(f"/authors/{author.slug}/follow/").status_code == 403
    assert Follow.objects.count() == 0


def _followed_works(user, n_authors: int, works_each: int):
    for _ in range(n_authors):
        author = AuthorFactory()
        follow_author(user=user, author=author)
        for _ in range(works_each):
            AuthorshipFactory(author=author)


def test_following_page_lists_newest_works_of_followed_authors(client):
    user = UserFactory()
    followed, other = AuthorFactory(), AuthorFactory()
    follow_author(user=user, author=followed)
    old = WorkFactory(title="Older work")
    new = WorkFactory(title="Newer work")
    AuthorshipFactory(author=followed, work=old)
    AuthorshipFactory(author=followed, work=new)
    AuthorshipFactory(author=other, work=WorkFactory(title="Not followed"))
    client.force_login(user)
    page = client.get("/following/").content.decode()
    assert page.index("Newer work") < page.index("Older work")
    assert "Not followed" not in page


def test_a_followed_collaboration_paper_lists_its_first_authors_only(client):
    user = UserFactory()
    followed = AuthorFactory()
    follow_author(user=user, author=followed)
    work = WorkFactory(title="A collaboration paper", authors_count=300)
    AuthorshipFactory(author=followed, work=work, position=1)
    for position in range(2, 301):
        AuthorshipFactory(work=work, position=position, printed_name=f"Member {position}")
    client.force_login(user)
    page = client.get("/following/").content.decode()
    assert "Member 6" in page and "Member 7" not in page and "and 294 more" in page


@pytest.mark.parametrize("n_authors,works_each", [(1, 2), (4, 8)])
def test_following_page_query_count_is_fixed(
    client, django_assert_num_queries, n_authors, works_each
):
    user = UserFactory()
    _followed_works(user, n_authors, works_each)
    client.force_login(user)
    client.get("/following/")  # the first visit creates the private feed key
    # session, user, count, page of works, their authorships, the feed key
    with django_assert_num_queries(6):
        response = client.get("/following/")
    assert response.status_code == 200


def test_following_requires_login(client):
    response = client.get("/following/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_following_feed_is_per_user_atom(client):
    user = UserFactory()
    author = AuthorFactory()
    follow_author(user=user, author=author)
    AuthorshipFactory(author=author, work=WorkFactory(title="Followed work", arxiv_id="2402.00001"))
    client.force_login(user)
    page = client.get("/following/").content.decode()
    feed_path = page.split('rel="alternate" type="application/atom+xml"')[1].split('href="')[1]
    feed_path = feed_path.split('"')[0].replace("http://testserver", "")
    client.logout()  # feed readers have no session
    response = client.get(feed_path)
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "<title>Followed work</title>" in body and "arXiv:2402.00001" in body
    assert client.get(feed_path[:-3] + "xx/").status_code == 404


@pytest.mark.parametrize("n", [1, 6])
def test_feed_query_count_is_fixed(client, django_assert_num_queries, n):
    from profiles.feed_keys import following_feed_key

    user = UserFactory()
    _followed_works(user, n, n)
    token = following_feed_key(user=user)
    # the key's owner, then the works as before
    with django_assert_num_queries(4):
        assert client.get(f"/following/feed/{token}/").status_code == 200


@pytest.mark.parametrize("n", [1, 5])
def test_profile_page_for_a_signed_in_user_has_a_fixed_query_count(
    client, django_assert_num_queries, n
):
    author = AuthorFactory()
    user = UserFactory()
    for other in UserFactory.create_batch(n):
        follow_author(user=other, author=author)
    follow_author(user=user, author=author)
    for _ in range(n):
        AuthorshipFactory(author=author)
    client.force_login(user)
    # session, user, the record, trust trend, top topics, printed affiliation (the record has no
    # institution), last synced, works, their first authors, and the visitor's follow/claim state
    with django_assert_num_queries(10):
        response = client.get(author.get_absolute_url())
    assert "Following · Unfollow" in response.content.decode()


def test_follows_tell_the_graph_after_commit(django_capture_on_commit_callbacks):
    from publications.signals import author_records_changed

    received = []

    def receiver(sender, author_ids, **kwargs):
        received.append(author_ids)

    author_records_changed.connect(receiver)
    try:
        user, author = UserFactory(), AuthorFactory()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            follow_author(user=user, author=author)
            follow_author(user=user, author=author)  # no change, no signal
        assert received == []  # nothing before commit
        for callback in callbacks:
            callback()
        assert received == [[author.pk]]
    finally:
        author_records_changed.disconnect(receiver)
