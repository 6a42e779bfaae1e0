"""The read endpoints of the REST API: what they return, their filters, errors, ETags, throttles,
token authentication, and the locally served docs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from publications.models import WORK_PAGE_FIRST_AUTHORS, Author, Work
from publications.services import import_path
from publications.signals import author_records_changed
from tests.conftest import ARXIV
from tests.factories import UserFactory, save_computed

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"status", "code", "detail", "errors"}


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_author_search_finds_a_name_in_any_order(api, imported):
    for q in ["Christoph Richard", "richard, christoph", "RICHARD"]:
        slugs = [a["slug"] for a in results(api.get("/api/authors/", {"q": q}))]
        assert "christoph-richard" in slugs, q
    assert results(api.get("/api/authors/", {"q": "no such person anywhere"})) == []


def test_author_list_filters(api, imported):
    claimed = Author.objects.get(slug="christoph-richard")
    claimed.claimed_by = UserFactory()
    claimed.verification_level = 3
    claimed.works_count = 7
    claimed.save()
    save_computed(claimed)
    assert [a["slug"] for a in results(api.get("/api/authors/", {"claimed": "true"}))] == [
        "christoph-richard"
    ]
    unclaimed = results(api.get("/api/authors/", {"claimed": "false", "page_size": 100}))
    assert unclaimed and "christoph-richard" not in {a["slug"] for a in unclaimed}
    assert [a["slug"] for a in results(api.get("/api/authors/", {"verification_level": 3}))] == [
        "christoph-richard"
    ]
    assert [a["slug"] for a in results(api.get("/api/authors/", {"min_works": 5}))] == [
        "christoph-richard"
    ]


def test_author_list_leaves_out_merged_records(api, imported):
    survivor = Author.objects.get(slug="christoph-richard")
    merged = Author.objects.exclude(pk=survivor.pk).first()
    merged.merged_into = survivor
    merged.save()
    listed = {a["slug"] for a in results(api.get("/api/authors/", {"page_size": 100}))}
    assert merged.slug not in listed and survivor.slug in listed


def test_cursor_pages_cover_every_record_once(api, imported):
    seen, url = [], "/api/authors/?page_size=25"
    while url:
        body = api.get(url).json()
        seen += [a["slug"] for a in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == Author.objects.live().count()


def test_author_detail_shows_counts_and_trust_breakdown(api, imported):
    author = Author.objects.get(slug="christoph-richard")
    author.works_count, author.followers_count, author.close_collaborators_count = 12, 3, 4
    author.trust_score, author.trust_tier, author.trust_formula_version = 21, "Emerging", 1
    author.trust_components = {"identity": 10, "record": 8, "network": 3, "community": 0}
    save_computed(author)
    body = api.get("/api/authors/christoph-richard/").json()
    assert body["display_name"] == "Christoph Richard"
    assert body["counts"] == {
        "works": 12,
        "followers": 3,
        "topics": 0,
        "close_collaborators": 4,
        "verified_collaborators": 0,
    }
    assert body["trust"]["score"] == 21 and body["trust"]["tier"] == "Emerging"
    assert body["trust"]["components"] == author.trust_components
    assert body["verification_level"] == 1 and body["is_claimed"] is False
    assert body["works_url"] == "/api/authors/christoph-richard/works/"
    assert "claimed_by" not in body  # who claimed a record is not public


def test_merged_author_redirects_permanently(api, imported):
    survivor = Author.objects.get(slug="christoph-richard")
    merged = Author.objects.exclude(pk=survivor.pk).first()
    merged.merged_into = survivor
    merged.save()
    response = api.get(f"/api/authors/{merged.slug}/")
    assert response.status_code == 301
    assert response["Location"] == "/api/authors/christoph-richard/"
    response = api.get(f"/api/authors/{merged.slug}/works/")
    assert response.status_code == 301
    assert response["Location"] == "/api/authors/christoph-richard/works/"


def test_author_works_newest_first(api, imported):
    works = results(api.get("/api/authors/christoph-richard/works/"))
    assert [w["arxiv_id"] for w in works] == ["0704.0716"]
    dates = [w["first_submitted"] for w in results(api.get("/api/works/", {"page_size": 100}))]
    assert dates == sorted(dates, reverse=True)


def test_work_detail_has_authors_in_order_and_versions(api, imported):
    body = api.get("/api/works/0704.0716/").json()
    assert body["title"] == "Limit distributions and scaling functions"
    assert [v["number"] for v in body["versions"]] == [1, 2, 3, 4]
    assert body["authors"][0]["printed_name"] == "Christoph Richard"
    many = Work.objects.filter(authors_count__gt=10).order_by("-authors_count").first()
    body = api.get(f"/api/works/{many.arxiv_id}/").json()
    shown = min(many.authors_count, WORK_PAGE_FIRST_AUTHORS)
    assert [a["position"] for a in body["authors"]] == list(range(1, shown + 1))
    assert body["authors_url"] == f"/api/works/{many.arxiv_id}/authors/"
    listed = next(
        w
        for w in results(api.get("/api/works/", {"page_size": 100}))
        if w["arxiv_id"] == many.arxiv_id
    )
    from publications.selectors import LISTED_AUTHORS

    assert [a["position"] for a in listed["authors"]] == list(range(1, LISTED_AUTHORS + 1))
    assert listed["authors_count"] == many.authors_count


def test_a_collaboration_paper_lists_its_first_authors_and_pages_through_all(api, db):
    import_path(ARXIV / "collaboration-papers.jsonl")
    work = Work.objects.get(arxiv_id="1411.4413")
    body = api.get(f"/api/works/{work.arxiv_id}/").json()
    assert body["authors_count"] == work.authors_count > 2500
    assert [a["position"] for a in body["authors"]] == list(range(1, WORK_PAGE_FIRST_AUTHORS + 1))
    seen, url, pages = [], body["authors_url"], 0
    while url:
        page = api.get(url).json()
        seen += page["results"]
        url, pages = page["next"], pages + 1
    assert pages == -(-work.authors_count // 100)  # 100 lines a page by default
    assert [a["position"] for a in seen] == list(range(1, work.authors_count + 1))
    assert seen[:WORK_PAGE_FIRST_AUTHORS] == body["authors"]
    assert len(results(api.get(body["authors_url"], {"page_size": 7}))) == 7
    assert api.get(body["authors_url"], {"page_size": 1000}).status_code == 400
    Work.objects.filter(pk=work.pk).update(hidden=True)
    author_records_changed.send(
        sender=None, author_ids=[], authorships_changed=True
    )  # as the curation that hides it does
    assert api.get(body["authors_url"]).status_code == 404
    assert api.get("/api/works/9999.99999/authors/").status_code == 404


def test_old_style_ids_and_hidden_works(api, imported):
    old = Work.objects.filter(arxiv_id__contains="/").first()
    assert api.get(f"/api/works/{old.arxiv_id}/").status_code == 200
    old.hidden = True
    old.save()
    author_records_changed.send(
        sender=None, author_ids=[], authorships_changed=True
    )  # as the curation that hides it does
    assert api.get(f"/api/works/{old.arxiv_id}/").status_code == 404
    listed = {w["arxiv_id"] for w in results(api.get("/api/works/", {"page_size": 100}))}
    assert old.arxiv_id not in listed


def test_work_list_filters(api, imported):
    hep_th = results(api.get("/api/works/", {"category": "hep-th", "page_size": 100}))
    assert hep_th
    for item in hep_th:  # primary or cross-listed
        assert Work.objects.filter(arxiv_id=item["arxiv_id"], topics__code="hep-th").exists()
    in_2007 = results(
        api.get(
            "/api/works/",
            {"submitted_from": "2007-01-01", "submitted_to": "2007-12-31", "page_size": 100},
        )
    )
    assert in_2007 and all(w["first_submitted"].startswith("2007-") for w in in_2007)
    assert len(in_2007) == Work.objects.filter(first_submitted__year=2007).count()
    by_author = results(api.get("/api/works/", {"author": "christoph-richard"}))
    assert [w["arxiv_id"] for w in by_author] == ["0704.0716"]
    assert results(api.get("/api/works/", {"submitted_from": "2030-01-01"})) == []


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/works/?page_size=0", "page_size"),
        ("/api/works/?page_size=101", "page_size"),
        ("/api/works/?submitted_from=2020-13-01", "submitted_from"),
        ("/api/works/?submitted_to=", "submitted_to"),
        ("/api/works/?category=not%20a%20category", "category"),
        ("/api/authors/?claimed=yes", "claimed"),
        ("/api/authors/?verification_level=9", "verification_level"),
        ("/api/authors/?min_works=-1", "min_works"),
        ("/api/authors/?q=a%00b", "q"),
    ],
)
def test_bad_parameters_are_400_with_the_error_body(api, imported, url, field):
    response = api.get(url)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == 400 and body["code"] == "invalid"
    assert field in body["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/authors/nobody-here/",
        "/api/works/9999.99999/",
        "/api/topics/xx.YY/",
        "/api/no-such-endpoint/",
    ],
)
def test_not_found_has_the_error_body(api, imported, url):
    response = api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == 404


@pytest.mark.parametrize(
    "url", ["/api/works/0704.0716/", "/api/authors/christoph-richard/", "/api/topics/math-ph/"]
)
def test_detail_etag_gives_304_until_the_record_changes(api, imported, url):
    first = api.get(url)
    etag = first["ETag"]
    assert etag.startswith('"')
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    Author.objects.filter(slug="christoph-richard").update(display_name="C. Richard")
    Work.objects.filter(arxiv_id="0704.0716").update(title="Renamed")
    from publications.models import Topic

    Topic.objects.filter(code="math-ph").update(name="Renamed")
    # Imports and curation say so after commit; anonymous answers are cached until then.
    author_records_changed.send(sender=None, author_ids=[], authorships_changed=True)
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_topics(api, imported):
    codes = [t["code"] for t in results(api.get("/api/topics/"))]
    assert codes == sorted(codes) and "astro-ph.GA" in codes
    assert api.get("/api/topics/astro-ph.GA/").json()["name"] == "Astrophysics of Galaxies"


def test_anonymous_clients_are_throttled_with_the_error_body(api, imported, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "2/min"},
    }
    # Anonymous clients count against the anonymous rate only (here larger than the user rate).
    assert [api.get("/api/topics/").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/topics/")
    assert response.status_code == 429 and "Retry-After" in response
    assert response.json()["code"] == "throttled"
    # A signed-in client has its own, larger allowance.
    api.force_login(UserFactory())
    assert [api.get("/api/topics/").status_code for _ in range(3)] == [200, 200, 429]


def test_token_authentication(api, imported, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "100/min"},
    }
    user = UserFactory(username="reader")
    bad = api.post("/api/auth/token/", {"username": "reader", "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["code"] == "authentication_failed"
    response = api.post(
        "/api/auth/token/", {"username": "reader", "password": "correct horse battery staple"}
    )
    token = response.json()["token"]
    assert token == user.auth_token.key
    assert api.get("/api/topics/").status_code == 429  # the anonymous allowance is spent
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # Counted as the signed-in user, not against the anonymous allowance.
    assert [api.get("/api/topics/").status_code for _ in range(3)] == [200, 200, 200]
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api.get("/api/topics/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_schema_and_docs_are_served_locally(api, imported):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {
        "/api/authors/",
        "/api/authors/{slug}/",
        "/api/authors/{slug}/works/",
        "/api/works/",
        "/api/works/{arxiv_id}/",
        "/api/topics/",
        "/api/topics/{code}/",
    } <= set(schema["paths"])
    for page in ["/api/docs/", "/api/redoc/"]:
        html = api.get(page, HTTP_ACCEPT="text/html").content.decode()
        assert "cdn" not in html.lower() and "//unpkg" not in html
        assets = [a for a in html.split('"') if a.startswith("/static/drf_spectacular_sidecar/")]
        assert assets, page
        for asset in assets:
            assert api.get(asset).status_code == 200, asset
    assert reverse("api:docs") == "/api/docs/"


def test_list_items_match_their_schema(api, imported):
    """WorkListItemSerializer writes its items by hand for speed; they must match the fields
    the schema documents, value for value, as DRF would render them."""
    from rest_framework import serializers

    from publications.api import WorkListItemSerializer
    from publications.selectors import works_filtered

    works = list(works_filtered().order_by("-first_submitted")[:30])
    fast = WorkListItemSerializer(works, many=True).data

    class Declared(WorkListItemSerializer):
        to_representation = serializers.Serializer.to_representation

    assert fast == Declared(works, many=True).data
    assert set(fast[0]) == set(WorkListItemSerializer().fields)


def test_server_errors_under_api_have_the_error_body(imported, monkeypatch):
    from django.test import Client

    import publications.api

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(publications.api, "works_filtered", broken)
    response = Client(raise_request_exception=False).get("/api/works/")
    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "code": "server_error",
        "detail": "Server error.",
        "errors": {},
    }
