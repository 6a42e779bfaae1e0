"""An owner hides their record's page: 410 with a short note in the site layout, the record
leaves search, the graph, the API, feeds and topic pages, its works keep the printed name
unlinked; the owner undoes it. The anonymous page cache never serves the old page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from profiles.claims import claim_approve
from profiles.owner_edits import author_set_hidden
from publications.models import Author, CurationEvent
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    """`hidden`: a claimed record (owned by `owner`) sharing a work with `other`."""
    topic = TopicFactory()
    hidden = AuthorFactory(
        display_name="Zbigniew Quasarowicz",
        name_key="zbigniew quasarowicz",
        slug="zbigniew-quasarowicz",
    )
    other = AuthorFactory(
        display_name="Petra Nebulova", name_key="petra nebulova", slug="petra-nebulova"
    )
    work = WorkFactory(primary_topic=topic, title="Dust in quiet galaxies")
    AuthorshipFactory(work=work, author=hidden, position=1, printed_name="Z. Quasarowicz")
    AuthorshipFactory(work=work, author=other, position=2, printed_name="P. Nebulova")
    for record in (hidden, other):
        Author.objects.filter(pk=record.pk).update(works_count=1)
    owner = claim_approve(claim=ClaimFactory(author=hidden), reviewer=CuratorFactory()).user
    return {
        "hidden": Author.objects.get(pk=hidden.pk),
        "other": other,
        "work": work,
        "topic": topic,
        "owner": owner,
    }


def hide(pair, capture, hidden=True):
    with capture(execute=True):
        author_set_hidden(user=pair["owner"], author=pair["hidden"], hidden=hidden)


def test_hidden_page_answers_410_in_the_site_layout_even_after_being_cached(
    client, pair, django_capture_on_commit_callbacks
):
    url = pair["hidden"].get_absolute_url()
    for _ in range(3):  # warm the anonymous full-page cache
        assert client.get(url).status_code == 200
    hide(pair, django_capture_on_commit_callbacks)
    response = client.get(url)
    assert response.status_code == 410
    html = response.content.decode()
    assert "Its owner chose to hide this researcher page" in html
    assert 'class="site-header"' in html and 'role="search"' in html
    assert "Quasarowicz" not in html.split("<main")[1]
    assert client.get(url).status_code == 410  # the 410 is not cached as a page either


def test_only_the_owner_hides_and_shows_the_page(client, pair, django_capture_on_commit_callbacks):
    url = f"/authors/{pair['hidden'].slug}/visibility/"
    client.force_login(UserFactory())
    assert client.post(url, {"hidden": "1"}).status_code == 403
    client.force_login(CuratorFactory())
    assert client.post(url, {"hidden": "1"}).status_code == 403
    with pytest.raises(PermissionDenied):
        author_set_hidden(user=UserFactory(), author=pair["hidden"], hidden=True)
    assert not Author.objects.get(pk=pair["hidden"].pk).hidden

    client.force_login(pair["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"hidden": "1"}).status_code == 302
        client.post(url, {"hidden": "1"})  # safe to repeat: one event
    assert Author.objects.get(pk=pair["hidden"].pk).hidden
    assert CurationEvent.objects.filter(action="author_hidden").count() == 1
    page = client.get(pair["hidden"].get_absolute_url())
    assert page.status_code == 410 and "Show my page again" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"hidden": "0"})
    assert client.get(pair["hidden"].get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(pair["hidden"].get_absolute_url()).status_code == 200


def test_hidden_record_leaves_search_api_feeds_graph_and_topic_pages(
    client, pair, django_capture_on_commit_callbacks
):
    hidden, other, topic = pair["hidden"], pair["other"], pair["topic"]
    # Before: found everywhere (and the topic's cached author list names it).
    assert "Zbigniew Quasarowicz" in client.get("/search/?q=Quasarowicz").content.decode()
    assert hidden.display_name in client.get(topic.get_absolute_url()).content.decode()
    assert client.get(f"/api/authors/{hidden.slug}/").status_code == 200
    slice_before = client.get(f"/api/graph/slice/?author={other.slug}").json()
    assert any(n["label"] == hidden.display_name for n in slice_before["nodes"])

    hide(pair, django_capture_on_commit_callbacks)

    assert "Zbigniew Quasarowicz" not in client.get("/search/?q=Quasarowicz").content.decode()
    assert hidden.display_name not in client.get(topic.get_absolute_url()).content.decode()
    assert client.get("/api/authors/?q=quasarowicz").json()["results"] == []
    detail = client.get(f"/api/authors/{hidden.slug}/")
    assert detail.status_code == 410 and detail.json()["code"] == "gone"
    assert client.get(f"/api/authors/{hidden.slug}/works/").status_code == 410
    assert client.get(f"/authors/{hidden.slug}/feed/").status_code == 404
    assert client.get(f"/api/graph/slice/?author={hidden.slug}").status_code == 404
    assert client.get(f"/graph/?author={hidden.slug}").status_code == 404
    slice_after = client.get(f"/api/graph/slice/?author={other.slug}").json()
    assert all(n["label"] != hidden.display_name for n in slice_after["nodes"])
    work_slice = client.get(f"/api/graph/slice/?work={pair['work'].arxiv_id}").json()
    assert [n["label"] for n in work_slice["nodes"] if n["kind"] == "person"] == [
        other.display_name
    ]
    assert hidden.display_name not in client.get("/graph/?q=Quasarowicz").content.decode()


def test_works_keep_the_printed_name_unlinked(client, pair, django_capture_on_commit_callbacks):
    hidden, other, work = pair["hidden"], pair["other"], pair["work"]
    for _ in range(2):  # the co-author's page is in the anonymous page cache
        client.get(other.get_absolute_url())
    assert (
        f'href="{hidden.get_absolute_url()}"'
        in client.get(other.get_absolute_url()).content.decode()
    )
    hide(pair, django_capture_on_commit_callbacks)
    for url in (
        work.get_absolute_url(),
        other.get_absolute_url(),
        pair["topic"].get_absolute_url(),
    ):
        html = client.get(url).content.decode()
        assert "Z. Quasarowicz" in html, url
        assert f'href="{hidden.get_absolute_url()}"' not in html, url
    api_work = client.get(f"/api/works/{work.arxiv_id}/").json()
    line = next(a for a in api_work["authors"] if a["printed_name"] == "Z. Quasarowicz")
    assert line["author_slug"] is None and line["author_url"] is None
    listed = client.get(f"/api/works/?author={other.slug}").json()["results"][0]["authors"]
    assert listed[0] == {
        "position": 1,
        "printed_name": "Z. Quasarowicz",
        "author_slug": None,
        "author_url": None,
    }


def test_a_hidden_record_is_neither_followed_nor_invited_through_the_site(
    client, pair, django_capture_on_commit_callbacks
):
    from profiles.models import CollaborationInvitation, Follow

    hide(pair, django_capture_on_commit_callbacks)
    client.force_login(UserFactory())
    slug = pair["hidden"].slug
    assert client.post(f"/authors/{slug}/follow/").status_code == 302
    client.post(f"/authors/{slug}/invite/", {"message": "Hello", "contact": "me@example.org"})
    assert not Follow.objects.filter(author=pair["hidden"]).exists()
    assert not CollaborationInvitation.objects.filter(author=pair["hidden"]).exists()
    assert Author.objects.get(pk=pair["hidden"].pk).followers_count == 0
