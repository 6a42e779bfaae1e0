"""Claims end to end through HTTP: evidence, states, /claims/, curator decisions and their e-mails."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from profiles.claim_evidence import institution_domain_add
from profiles.claims import claim_approve, claim_create, claim_reject, claim_withdraw
from profiles.evidence import domain_matches_affiliations, normalise_orcid
from profiles.models import Claim, ClaimState
from publications.models import Author, CurationEvent, Institution
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_orcid_ids_are_checked_with_their_check_digit():
    assert normalise_orcid("https://orcid.org/0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert normalise_orcid("0000-0002-1825-0098") == ""
    assert normalise_orcid("0000-0001-5109-370X") == ""
    assert normalise_orcid("0000-0002-1694-233X") == "0000-0002-1694-233X"
    assert normalise_orcid("nonsense") == ""


@pytest.mark.parametrize(
    "email,affiliation,matches",
    [
        ("jane@cfa.harvard.edu", "Harvard-Smithsonian Center for Astrophysics", True),
        ("jane@physics.ox.ac.uk", "University of Oxford", False),
        ("jane@mpia.de", "Max-Planck-Institut für Astronomie (MPIA), Heidelberg", True),
        ("jane@gmail.com", "Gmail research", False),
        ("jane@edu.example", "edu", False),
        ("jane@caltech.edu", "California Institute of Technology", False),
    ],
)
def test_institutional_email_matches_affiliation(email, affiliation, matches):
    assert domain_matches_affiliations(email, [affiliation]) is matches


def test_claim_with_a_message_waits_for_a_curator_and_shows_in_claims(client):
    user, author = UserFactory(), AuthorFactory()
    AuthorshipFactory(author=author)
    client.force_login(user)
    form = client.get(f"/authors/{author.slug}/claim/")
    assert form.status_code == 200 and "Send claim" in form.content.decode()
    response = client.post(f"/authors/{author.slug}/claim/", {"message": "I wrote these papers."})
    assert response.status_code == 302 and response["Location"] == "/claims/"
    claim = Claim.objects.get()
    assert (claim.user, claim.author, claim.state, claim.evidence_level) == (
        user,
        author,
        "pending",
        2,
    )
    assert claim.evidence == {"message": "I wrote these papers."}
    page = client.get("/claims/").content.decode()
    assert author.display_name in page and "Pending" in page and "minute" in page
    assert (
        "Your claim on this record is pending"
        in client.get(author.get_absolute_url()).content.decode()
    )
    # A second claim while the first is pending is refused with a clear message.
    again = client.post(f"/authors/{author.slug}/claim/", {"message": "again"})
    assert again.status_code == 400
    assert "already have a pending claim" in again.content.decode()
    assert (
        CurationEvent.objects.filter(action="claim_created", target_id=str(claim.pk)).count() == 1
    )


def test_claim_without_evidence_is_refused_and_stores_nothing(client):
    client.force_login(UserFactory())
    author = AuthorFactory()
    response = client.post(f"/authors/{author.slug}/claim/", {})
    assert response.status_code == 400 and "Give some evidence" in response.content.decode()
    response = client.post(f"/authors/{author.slug}/claim/", {"works_text": "not-an-id"})
    assert response.status_code == 400 and "Not arXiv ids" in response.content.decode()
    assert not Claim.objects.exists()


def test_claim_needs_a_verified_email():
    user = UserFactory(verified_email=False)
    with pytest.raises(PermissionDenied, match="Verify your e-mail"):
        claim_create(user=user, author=AuthorFactory(), evidence={"message": "me"})


def test_orcid_proven_by_sign_in_approves_at_once_as_l3(client):
    user, author = UserFactory(), AuthorFactory()
    SocialAccount.objects.create(user=user, provider="orcid", uid="0000-0002-1825-0097")
    client.force_login(user)
    client.post(
        f"/authors/{author.slug}/claim/", {"orcid": "https://orcid.org/0000-0002-1825-0097"}
    )
    claim = Claim.objects.get()
    assert claim.state == "approved" and claim.evidence_level == 3 and claim.reviewer is None
    author.refresh_from_db()
    assert author.claimed_by == user and author.verification_level == 3
    page = client.get(author.get_absolute_url()).content.decode()
    assert "Claimed · L3 · claimed with strong evidence" in page and "Edit your record" in page


def test_unproven_orcid_is_evidence_but_waits():
    user, author = UserFactory(), AuthorFactory()
    claim = claim_create(user=user, author=author, evidence={"orcid": "0000-0002-1825-0097"})
    assert claim.state == "pending" and claim.evidence["orcid_proven"] is False


def test_institutional_email_at_a_recorded_domain_approves_at_once():
    user, author = UserFactory(), AuthorFactory()
    cfa = Institution.objects.create(
        name="Harvard-Smithsonian Center for Astrophysics",
        name_key="harvard smithsonian center for astrophysics",
    )
    AuthorshipFactory(author=author, printed_affiliation=cfa.name, institution=cfa)
    EmailAddress.objects.create(user=user, email="jane@cfa.harvard.edu", verified=True)
    institution_domain_add(user=CuratorFactory(), institution=cfa, domain="harvard.edu")
    claim = claim_create(user=user, author=author, evidence={"email": "jane@cfa.harvard.edu"})
    assert claim.state == "approved" and claim.evidence_level == 3
    unverified = UserFactory()
    EmailAddress.objects.create(user=unverified, email="bob@cfa.harvard.edu", verified=False)
    with pytest.raises(ValidationError, match="not a verified address"):
        claim_create(user=unverified, author=author, evidence={"email": "bob@cfa.harvard.edu"})


def test_a_domain_that_only_resembles_an_affiliation_waits_for_a_curator():
    user, author = UserFactory(), AuthorFactory()
    AuthorshipFactory(
        author=author, printed_affiliation="Harvard-Smithsonian Center for Astrophysics"
    )
    EmailAddress.objects.create(user=user, email="jane@cfa.harvard.edu", verified=True)
    claim = claim_create(user=user, author=author, evidence={"email": "jane@cfa.harvard.edu"})
    assert claim.state == "pending" and claim.evidence_level == 2
    assert claim.evidence["email_resembles_affiliation"] is True  # a hint for the curators


def test_curator_approval_makes_the_record_l4_and_mails_the_claimant(
    client, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    curator = CuratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=claim, reviewer=curator)
    claim.refresh_from_db()
    assert claim.state == "approved" and claim.reviewer == curator and claim.decided_at
    author = Author.objects.get(pk=claim.author_id)
    assert author.claimed_by == claim.user and author.verification_level == 4
    assert [m.to for m in mail.outbox] == [[claim.user.email]]
    assert "approved" in mail.outbox[0].subject
    assert CurationEvent.objects.filter(action="claim_approved", author=author).count() == 1
    with pytest.raises(ValidationError, match="not pending"):
        claim_approve(claim=claim, reviewer=curator)


def test_rejection_needs_a_reason_and_mails_it(django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    curator = CuratorFactory()
    with pytest.raises(ValidationError, match="reason"):
        claim_reject(claim=claim, reviewer=curator, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        claim_reject(claim=claim, reviewer=curator, reason="The works belong to a namesake.")
    claim.refresh_from_db()
    assert claim.state == "rejected" and claim.reason == "The works belong to a namesake."
    assert "The works belong to a namesake." in mail.outbox[0].body
    assert CurationEvent.objects.get(action="claim_rejected").note == claim.reason


def test_only_curators_decide():
    claim = ClaimFactory()
    for not_curator in (claim.user, UserFactory(), UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            claim_approve(claim=claim, reviewer=not_curator)
        with pytest.raises(PermissionDenied):
            claim_reject(claim=claim, reviewer=not_curator, reason="no")
    assert Claim.objects.get(pk=claim.pk).state == "pending"


def test_withdraw_pending_and_approved_claims(client):
    claim = ClaimFactory()
    client.force_login(claim.user)
    response = client.post(f"/claims/{claim.pk}/withdraw/")
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == "withdrawn"
    approved = ClaimFactory(user=claim.user)
    claim_approve(claim=approved, reviewer=CuratorFactory())
    client.post(f"/claims/{approved.pk}/withdraw/", {"confirm": "1"})
    author = Author.objects.get(pk=approved.author_id)
    assert author.claimed_by is None and author.verification_level == 1
    with pytest.raises(ValidationError, match="already withdrawn"):
        claim_withdraw(user=claim.user, claim=claim)


def test_another_user_cannot_see_or_withdraw_a_claim(client):
    claim = ClaimFactory()
    client.force_login(UserFactory())
    assert client.post(f"/claims/{claim.pk}/withdraw/").status_code == 404
    assert claim.author.display_name not in client.get("/claims/").content.decode()
    with pytest.raises(PermissionDenied):
        claim_withdraw(user=UserFactory(), claim=claim)
    assert Claim.objects.get(pk=claim.pk).state == "pending"


def test_claims_page_shows_age(client):
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(claim.user)
    assert "3\xa0days" in client.get("/claims/").content.decode()


@pytest.mark.parametrize("n", [1, 7])
def test_claims_page_query_count_is_fixed(client, django_assert_num_queries, n):
    user = UserFactory()
    ClaimFactory.create_batch(n, user=user)
    client.force_login(user)
    with django_assert_num_queries(3):  # session, user, claims with their records
        assert client.get("/claims/").status_code == 200


def test_claim_creation_is_rate_limited(client, settings):
    settings.BZPEER_RATE_CLAIM = "2/h"
    client.force_login(UserFactory())
    codes = [
        client.post(f"/authors/{AuthorFactory().slug}/claim/", {"message": "mine"}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Claim.objects.count() == 2


def test_curator_approves_in_the_admin(client):
    claim = ClaimFactory()
    curator = CuratorFactory()
    client.force_login(curator)
    assert client.get("/admin/profiles/claim/").status_code == 200
    response = client.post(
        "/admin/profiles/claim/", {"action": "approve_selected", "_selected_action": [claim.pk]}
    )
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    other = ClaimFactory(author=claim.author)
    client.post(
        "/admin/profiles/claim/", {"action": "approve_selected", "_selected_action": [other.pk]}
    )
    assert Claim.objects.get(pk=other.pk).state == ClaimState.PENDING
