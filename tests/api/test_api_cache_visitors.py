"""Signed-in clients get the read API's shared answer (bzpeer/page_cache.py): the public read
endpoints answer the same to everybody, so one stored answer serves every client, and nothing of
one client (their hidden record, a curator's staff status, their session or token) reaches
another. Authentication, throttles and write methods still apply to each request."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from bzpeer import page_cache
from profiles.claims import claim_approve
from profiles.owner_edits import author_set_hidden
from publications import curation_works
from publications.models import Author, Work
from tests.api.test_api_cache import CACHED
from tests.factories import ClaimFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

OWNED = "christoph-richard"


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _token(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def hidden(imported, django_capture_on_commit_callbacks):
    """An owner who hid their record, a work a curator hid, and the visitors who ask."""
    author = Author.objects.get(slug=OWNED)
    owner = UserFactory()
    curator = CuratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=curator)
    shown = Work.objects.filter(authorships__author=author, hidden=False).order_by("id").first()
    gone = Work.objects.exclude(pk=shown.pk).filter(hidden=False).order_by("-id").first()
    author.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        author_set_hidden(user=owner, author=author, hidden=True)
        curation_works.work_set_hidden(
            work_id=gone.pk, hidden=True, actor=curator, reason="duplicate"
        )
    visitors = {
        "anonymous": APIClient(),
        "owner of the hidden record": _session(owner),
        "curator who hid the work": _session(curator),
        "another user, by token": _token(UserFactory()),
        "unverified user": _session(UserFactory(verified_email=False)),
    }
    urls = {
        f"/api/authors/{OWNED}/": 410,
        f"/api/authors/{OWNED}/works/": 410,
        f"/api/graph/slice/?author={OWNED}": 404,
        f"/api/works/{shown.arxiv_id}/": 200,
        f"/api/works/{shown.arxiv_id}/authors/": 200,
        f"/api/works/?author={OWNED}": 200,
        "/api/authors/?q=richard": 200,
        "/api/works/?page_size=100": 200,
        f"/api/works/{gone.arxiv_id}/": 404,
        f"/api/works/{gone.arxiv_id}/authors/": 404,
        f"/api/graph/slice/?work={gone.arxiv_id}": 404,
    }
    return {"visitors": visitors, "urls": urls, "gone": gone.arxiv_id, "shown": shown}


@pytest.mark.parametrize("first", range(5))
def test_whoever_asks_first_every_visitor_gets_the_public_answer(hidden, first):
    """Each order of visitors from an empty cache: the owner of a hidden record, the curator who
    hid a work, a token client, an unverified user and anonymous all get the public answer (the
    hidden record 410, the hidden work 404, the record's author lines without its slug)."""
    cache.clear()
    names = list(hidden["visitors"])
    order = names[first:] + names[:first]
    answers: dict[str, dict[str, tuple[int, bytes]]] = {}
    for name in order:
        client = hidden["visitors"][name]
        answers[name] = {}
        for url in hidden["urls"]:
            response = client.get(url)
            answers[name][url] = (response.status_code, response.content)
            assert not response.cookies, (name, url)  # no session or CSRF cookie set by a read
    for name in order:
        for url, status in hidden["urls"].items():
            assert answers[name][url][0] == status, (name, url)
            if status == 200:
                # The same bytes as anonymous, and nothing of the hidden record or work.
                assert answers[name][url] == answers["anonymous"][url], (name, url)
                body = answers[name][url][1].decode()
                assert OWNED not in body and hidden["gone"] not in body, (name, url)
    lines = json.loads(answers[order[0]][f"/api/works/{hidden['shown'].arxiv_id}/"][1])["authors"]
    assert any(line["author_slug"] is None for line in lines)


def _fresh_as_the_visitor(monkeypatch) -> None:
    """What the handlers would answer each visitor themselves, with no cache in the way."""
    monkeypatch.setattr(page_cache, "catalogue_get", lambda key: None)
    monkeypatch.setattr(page_cache, "catalogue_put", lambda key, content, ttl=0: None)
    monkeypatch.setattr(page_cache, "_as_anonymous", lambda request, answer: answer())


def test_the_shared_answer_is_what_each_visitor_would_be_answered_themselves(hidden, monkeypatch):
    """The shared answer loses nothing a visitor should see: every cached endpoint answers each
    visitor, run as that visitor, exactly what it answers anonymous clients."""
    urls = [*CACHED, *hidden["urls"]]
    shared = {
        name: {url: client.get(url) for url in urls} for name, client in hidden["visitors"].items()
    }
    _fresh_as_the_visitor(monkeypatch)
    for name, client in hidden["visitors"].items():
        for url in urls:
            fresh = client.get(url)
            cached = shared[name][url]
            assert (fresh.status_code, fresh.content) == (cached.status_code, cached.content), (
                name,
                url,
            )


class _Echo(APIView):
    """A handler that would answer per client, to show what the stored answer is made of."""

    @page_cache.cached_for_visitors("test-echo")
    def get(self, request):
        return Response({"user": str(request.user), "signed_in": request.user.is_authenticated})


def test_a_signed_in_miss_is_answered_and_stored_as_for_an_anonymous_client(db):
    cache.clear()
    factory = APIRequestFactory()
    view = _Echo.as_view()
    first, second = UserFactory(username="first-asker"), UserFactory(username="second-asker")
    request = factory.get("/echo/")
    force_authenticate(request, user=first)
    answer = view(request)
    assert json.loads(answer.content) == {"user": "AnonymousUser", "signed_in": False}
    assert request.user == first  # the client is signed in again after the handler ran
    request = factory.get("/echo/")
    force_authenticate(request, user=second)
    assert b"first-asker" not in view(request).content
    assert json.loads(view(factory.get("/echo/")).content)["signed_in"] is False


def test_signed_in_reads_still_count_against_their_throttle(api, imported, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "2/min"},
    }
    assert api.get("/api/works/").status_code == 200  # stored
    api.force_login(UserFactory())
    statuses = [api.get("/api/works/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_bad_or_inactive_token_is_refused_even_when_the_answer_is_stored(api, imported):
    assert api.get("/api/works/").status_code == 200  # stored
    user = UserFactory()
    client = _token(user)
    assert client.get("/api/works/").status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    refused = client.get("/api/works/")
    assert refused.status_code == 401 and b"results" not in refused.content
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/works/").status_code == 401


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_to_a_stored_address_are_never_answered_from_the_cache(imported, method):
    url = "/api/works/0704.0716/"
    assert APIClient().get(url).status_code == 200  # stored
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    # A session write without the CSRF token is refused before anything else.
    refused = getattr(client, method)(url)
    assert refused.status_code == 403 and b"abstract" not in refused.content
    client = _token(UserFactory())
    refused = getattr(client, method)(url)
    assert refused.status_code == 405 and b"abstract" not in refused.content


def test_a_signed_in_client_gets_304_from_the_stored_etag(api, imported):
    first = api.get("/api/works/0704.0716/")
    client = _session(UserFactory())
    again = client.get("/api/works/0704.0716/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
