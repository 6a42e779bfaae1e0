"""The claims queue in the admin: oldest first, the evidence, the record and its works; curators
approve or reject with a reason, the claimant is e-mailed, the audit log records it; nobody else
can decide."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from profiles.models import Claim, ClaimState
from publications.models import Author, CurationEvent
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    import_path(ARXIV / "abs-older-versions.jsonl")
    return Author.objects.get(slug="robin-de-jong")


def make_claim(author, *, age_days=0, **evidence) -> Claim:
    claim = Claim.objects.create(
        user=UserFactory(),
        author=author,
        evidence=evidence
        or {"message": "This is my thesis work.", "works": ["0906.2112", "0906.5504"]},
    )
    Claim.objects.filter(pk=claim.pk).update(
        created_at=timezone.now() - dt.timedelta(days=age_days)
    )
    return claim


def test_queue_lists_pending_claims_oldest_first(client, curator, record):
    other = Author.objects.get(slug="joachim-schroeter")
    newer = make_claim(record, age_days=1)
    older = make_claim(other, age_days=5)
    decided = make_claim(record, age_days=9)
    Claim.objects.filter(pk=decided.pk).update(state=ClaimState.REJECTED)
    client.force_login(curator)
    html = client.get("/admin/profiles/claim/").content.decode()
    assert html.index(f"Review #{older.pk}") < html.index(f"Review #{newer.pk}")
    assert f"Review #{decided.pk}" not in html
    assert "This is my thesis work" in html
    assert (
        f"Review #{decided.pk}" in client.get("/admin/profiles/claim/?state=all").content.decode()
    )


def test_review_page_shows_claimant_evidence_record_and_works(client, curator, record):
    claim = make_claim(record)
    client.force_login(curator)
    html = client.get(f"/admin/profiles/claim/{claim.pk}/change/").content.decode()
    assert claim.user.email in html and "This is my thesis work." in html
    assert "0906.2112" in html and "Robin de Jong" in html
    assert "0906.5504" in html and "not on this record" in html
    assert "Approve claim" in html and "Reject claim" in html


def test_curator_approves_a_claim_and_the_claimant_is_emailed(
    client, curator, record, mailoutbox, django_capture_on_commit_callbacks
):
    claim = make_claim(record)
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/profiles/claim/{claim.pk}/change/", {"approve": "1", "level": "4"}
        )
    assert response.status_code == 302 and response["Location"] == "/admin/profiles/claim/"
    claim.refresh_from_db()
    record.refresh_from_db()
    assert claim.state == ClaimState.APPROVED and claim.reviewer == curator
    assert record.claimed_by == claim.user and record.verification_level == 4
    [mail] = mailoutbox
    assert mail.to == [claim.user.email] and "approved" in mail.subject
    event = CurationEvent.objects.get(action="claim_approved")
    assert event.actor == curator and event.author == record


def test_curator_rejects_with_a_reason_the_claimant_reads(
    client, curator, record, mailoutbox, django_capture_on_commit_callbacks
):
    claim = make_claim(record)
    client.force_login(curator)
    refused = client.post(
        f"/admin/profiles/claim/{claim.pk}/change/", {"reject": "1", "reason": " "}
    )
    assert refused.status_code == 200 and "reason" in refused.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.PENDING and not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/admin/profiles/claim/{claim.pk}/change/",
            {"reject": "1", "reason": "The listed works are by a namesake."},
        )
    claim.refresh_from_db()
    assert (
        claim.state == ClaimState.REJECTED and claim.reason == "The listed works are by a namesake."
    )
    [mail] = mailoutbox
    assert "rejected" in mail.subject and "namesake" in mail.body
    event = CurationEvent.objects.get(action="claim_rejected")
    assert event.actor == curator and event.note == "The listed works are by a namesake."


def test_second_approval_on_a_claimed_record_is_refused_with_a_message(client, curator, record):
    first, second = make_claim(record), make_claim(record)
    client.force_login(curator)
    client.post(f"/admin/profiles/claim/{first.pk}/change/", {"approve": "1"})
    response = client.post(f"/admin/profiles/claim/{second.pk}/change/", {"approve": "1"})
    assert response.status_code == 200 and "already claimed" in response.content.decode()
    assert Claim.objects.get(pk=second.pk).state == ClaimState.PENDING


@pytest.mark.parametrize("who", ["staff", "plain", "anonymous"])
def test_non_curators_cannot_see_or_decide_claims(client, record, who, mailoutbox):
    claim = make_claim(record)
    if who != "anonymous":
        client.force_login(UserFactory(username=who, is_staff=who == "staff"))
    for method, url, data in [
        ("get", "/admin/profiles/claim/", {}),
        ("get", f"/admin/profiles/claim/{claim.pk}/change/", {}),
        ("post", f"/admin/profiles/claim/{claim.pk}/change/", {"approve": "1"}),
        ("post", f"/admin/profiles/claim/{claim.pk}/change/", {"reject": "1", "reason": "no"}),
    ]:
        response = getattr(client, method)(url, data)
        if who == "staff":
            assert response.status_code == 403, url
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.PENDING
    assert not CurationEvent.objects.exists() and not mailoutbox


@pytest.mark.parametrize("page", ["queue", "review"])
def test_queue_and_review_use_the_same_queries_at_two_sizes(client, curator, page):
    client.force_login(curator)
    counts = []
    for n in (2, 12):
        author = Author.objects.create(
            display_name=f"Ann Claimed {n}", name_key=f"ann claimed {n}", slug=f"ann-claimed-{n}"
        )
        works = [WorkFactory() for _ in range(n)]
        for work in works:
            AuthorshipFactory(work=work, author=author)
        claims = [
            make_claim(author, works=[w.arxiv_id for w in works], message="mine") for _ in range(n)
        ]
        url = (
            "/admin/profiles/claim/"
            if page == "queue"
            else f"/admin/profiles/claim/{claims[0].pk}/change/"
        )
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_queue_shows_each_claims_age_on_one_line_before_the_wide_columns(client, curator, record):
    make_claim(record, age_days=9, message="A long message " * 20)
    client.force_login(curator)
    html = client.get("/admin/profiles/claim/").content.decode()
    headers = re.findall(r'<th scope="col"[^>]*class="[^"]*column-(\w+)', html)
    assert headers[:3] == ["review", "waiting", "claimant"]
    assert '<span class="claim-age" title="since ' in html
    age = re.search(r'<span class="claim-age"[^>]*style="white-space: nowrap">([^<]+)</span>', html)
    assert age and age.group(1) == "1\xa0week"  # one unit, never "1 week, 2 days" cut in two
