"""Every API endpoint runs a fixed number of SQL queries, whatever the page holds: each is measured
on a small and on a larger database (more works, authors per work, versions, follows, claims)."""

from __future__ import annotations

import pytest

from profiles.models import Claim, Follow
from publications.models import Author, Authorship, Work, WorkTopic
from tests.api.conftest import import_more, import_small
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

SIZES = ["small", "large"]


@pytest.fixture(params=SIZES)
def data(request):
    """The same shapes at two sizes. Returns what the endpoints are asked about."""
    import_small()
    large = request.param == "large"
    if large:
        import_more()
    author = AuthorFactory(display_name="Query Counter", slug="query-counter")
    coauthors = [AuthorFactory() for _ in range(12 if large else 1)]
    for _ in range(25 if large else 1):  # the author's works, each with several co-authors
        work = WorkFactory()
        WorkTopic.objects.create(work=work, topic=work.primary_topic, is_primary=True)
        AuthorshipFactory(work=work, author=author, position=1)
        for position, coauthor in enumerate(coauthors, start=2):
            AuthorshipFactory(work=work, author=coauthor, position=position)
    user = UserFactory()  # with a verified address
    followed = list(Author.objects.exclude(pk=author.pk)[: 30 if large else 1])
    Follow.objects.bulk_create([Follow(user=user, author=a) for a in followed])
    Claim.objects.bulk_create(
        [
            Claim(user=user, author=a, evidence={"message": "me"})
            for a in followed[: 25 if large else 1]
        ]
    )
    widest = Work.objects.order_by("-authors_count", "-version_count").first()
    if not large:
        widest = Work.objects.filter(authors_count__gte=1).order_by("authors_count", "id").first()
    return {
        "author": author,
        "user": user,
        "work": widest,
        "claim": Claim.objects.first(),
        "size": request.param,
        "authorships": Authorship.objects.count(),
    }


ANONYMOUS = [
    ("/api/authors/", 1),
    ("/api/authors/?q=counter&claimed=false&verification_level=1&min_works=0", 1),
    ("/api/authors/query-counter/", 2),  # the record, when one of its works was last synced
    ("/api/authors/query-counter/works/", 3),
    ("/api/authors/query-counter/works/?page_size=100", 3),
    ("/api/works/", 2),
    ("/api/works/?page_size=100", 2),
    ("/api/works/?category=astro-ph.GA&submitted_from=2000-01-01&author=query-counter", 2),
    ("/api/topics/", 1),
    ("/api/topics/astro-ph.GA/", 1),
]


@pytest.mark.parametrize("url, queries", ANONYMOUS)
def test_anonymous_reads(api, data, django_assert_num_queries, url, queries):
    with django_assert_num_queries(queries):
        response = api.get(url)
    assert response.status_code == 200
    if "results" in response.json():
        assert response.json()["results"]


def test_work_detail(api, data, django_assert_num_queries):
    with django_assert_num_queries(4):  # work, its first authorships, versions, topics
        response = api.get(f"/api/works/{data['work'].arxiv_id}/")
    assert len(response.json()["authors"]) == min(data["work"].authors_count, 20)
    with django_assert_num_queries(2):  # work, one page of authorships
        response = api.get(f"/api/works/{data['work'].arxiv_id}/authors/")
    assert len(response.json()["results"]) == min(data["work"].authors_count, 100)


def test_next_page_costs_the_same(api, data, django_assert_num_queries):
    next_url = api.get("/api/works/?page_size=2").json()["next"]
    with django_assert_num_queries(2):
        assert api.get(next_url).status_code == 200


@pytest.mark.parametrize(
    "method, url, queries",
    [
        ("get", "/api/me/follows/", 1),
        ("get", "/api/me/claims/", 1),
        ("get", "/api/me/follows/?page_size=100", 1),
    ],
)
def test_signed_in_reads(api, data, django_assert_num_queries, method, url, queries):
    api.force_authenticate(data["user"])
    with django_assert_num_queries(queries):
        response = getattr(api, method)(url)
    assert response.status_code == 200 and response.json()["results"]


def test_token_authenticated_read(api, data, django_assert_num_queries):
    from rest_framework.authtoken.models import Token

    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=data['user']).key}")
    with django_assert_num_queries(2):  # the token with its user, the follows
        assert api.get("/api/me/follows/").status_code == 200


def test_follow_and_unfollow(api, data, django_assert_num_queries):
    api.force_authenticate(data["user"])
    # verified e-mail, author, savepoint, insert, counter update, release savepoint
    with django_assert_num_queries(6):
        assert api.post("/api/authors/query-counter/follow/").status_code == 201
    # Each real request loads its user afresh (the verified e-mail is remembered on it).
    api.force_authenticate(type(data["user"]).objects.get(pk=data["user"].pk))
    with django_assert_num_queries(6):
        assert api.delete("/api/authors/query-counter/follow/").status_code == 200


def test_claim_withdraw(api, data, django_assert_num_queries):
    api.force_authenticate(data["user"])
    claim = data["claim"]
    with django_assert_num_queries(7):  # the verified e-mail first
        response = api.post(f"/api/me/claims/{claim.pk}/withdraw/")
    assert response.status_code == 200


def test_claim_create(api, data, django_assert_num_queries, settings):
    settings.BZPEER_CLAIMS_PENDING_MAX = 100  # the large database gives the user 25 waiting claims
    api.force_authenticate(data["user"])
    # ... and the user row locked while the waiting claims are counted (one query)
    with django_assert_num_queries(12):
        response = api.post(
            "/api/me/claims/",
            {"author": "query-counter", "evidence": {"message": "This is me."}},
            format="json",
        )
    assert response.status_code == 201, response.content
