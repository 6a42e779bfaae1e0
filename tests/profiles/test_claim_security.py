"""Attacks on ownership and claims, each reproduced: look-alike e-mail domains, pulling another
person's author line onto one's record, curators approving their own claims, throwaway accounts
lowering a record's score, and claims without limits through the API."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from graph.services import recompute_authors
from profiles.claim_evidence import institution_domain_add
from profiles.claims import claim_approve, claim_create, claim_mark_disputed, claim_reject
from profiles.evidence import registrable_domain
from profiles.models import Claim, InstitutionDomain
from publications.models import Author, Authorship, CurationEvent, Institution
from publications.services import authorship_add, import_path
from tests.conftest import ARXIV
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    UserFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db

ATTACKS = (
    ARXIV / "claims-attacks.jsonl"
)  # 0704.0789 (Donald P. Schneider, Penn State) and math-ph/0509033


def _with_address(email: str, **kwargs):
    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=True)
    return user


@pytest.fixture
def schneider():
    import_path(ATTACKS)
    return Author.objects.get(slug="donald-p-schneider")


def _penn_state() -> Institution:
    return Institution.objects.get(name="Penn State University")


# --- L3 from an e-mail address ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value,registrable",
    [
        ("eve@university.evil.test", "evil.test"),
        ("jane@cfa.harvard.edu", "harvard.edu"),
        ("jane@physics.ox.ac.uk", "ox.ac.uk"),
        ("someone@user.github.io", "user.github.io"),  # a private suffix of the list
        ("x@co.uk", ""),
        ("x@a..b", ""),
        ("not an address", ""),
        ("x@uni.münchen.de", "xn--mnchen-3ya.de"),
    ],
)
def test_registrable_domain_comes_from_the_public_suffix_list(value, registrable):
    assert registrable_domain(value) == registrable


def test_a_look_alike_domain_gives_a_pending_claim_not_the_record(client, schneider):
    """eve@university.evil.test: "university" is a word of "Penn State University", which made
    the claim L3 and approved it at once."""
    eve = _with_address("eve@university.evil.test", username="eve")
    client.force_login(eve)
    response = client.post(
        f"/authors/{schneider.slug}/claim/", {"email": "eve@university.evil.test"}
    )
    assert response.status_code == 302
    claim = Claim.objects.get(user=eve)
    assert claim.state == "pending" and claim.evidence_level == 2
    assert claim.evidence["email_domain"] == "evil.test"
    schneider.refresh_from_db()
    assert schneider.claimed_by is None and schneider.verification_level == 1
    edit = client.post(
        f"/authors/{schneider.slug}/edit/", {"bio": "eve was here", "affiliation": ""}
    )
    assert edit.status_code == 403
    assert Author.objects.get(pk=schneider.pk).bio == ""


def test_a_domain_recorded_for_the_institution_approves_at_l3(schneider):
    institution_domain_add(user=CuratorFactory(), institution=_penn_state(), domain="psu.edu")
    donald = _with_address("dps@astro.psu.edu")
    claim = claim_create(user=donald, author=schneider, evidence={"email": "dps@astro.psu.edu"})
    assert claim.state == "approved" and claim.granted_level == 3
    assert claim.evidence["email_institution"] == "Penn State University"
    schneider.refresh_from_db()
    assert schneider.claimed_by == donald and schneider.verification_level == 3


def test_a_domain_recorded_for_another_institution_is_not_strong_evidence(schneider):
    other = Institution.objects.create(name="Harvard University", name_key="harvard university")
    institution_domain_add(user=CuratorFactory(), institution=other, domain="harvard.edu")
    user = _with_address("someone@cfa.harvard.edu")
    claim = claim_create(user=user, author=schneider, evidence={"email": "someone@cfa.harvard.edu"})
    assert claim.state == "pending"


@pytest.mark.parametrize("domain", ["astro.psu.edu", "gmail.com", "co.uk", "not a domain", ""])
def test_only_registrable_institution_domains_can_be_recorded(domain, schneider):
    with pytest.raises(ValidationError):
        institution_domain_add(user=CuratorFactory(), institution=_penn_state(), domain=domain)
    assert not InstitutionDomain.objects.exists()


def test_only_curators_record_domains(schneider):
    for user in (UserFactory(), UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            institution_domain_add(user=user, institution=_penn_state(), domain="psu.edu")
    assert not InstitutionDomain.objects.exists()


def test_approving_a_claim_can_record_the_claimants_domain(client, schneider):
    """The table is seeded from curators' decisions: approving, the curator chooses to record the
    claimant's domain for one of the record's institutions; later claims from it are L3."""
    first = _with_address("dps@astro.psu.edu")
    claim = claim_create(user=first, author=schneider, evidence={"email": "dps@astro.psu.edu"})
    assert claim.state == "pending"
    curator = CuratorFactory()
    client.force_login(curator)
    page = client.get(f"/admin/profiles/claim/{claim.pk}/change/").content.decode()
    assert "psu.edu" in page and 'name="record_domain_for"' in page
    response = client.post(
        f"/admin/profiles/claim/{claim.pk}/change/",
        {"approve": "1", "level": "4", "record_domain_for": str(_penn_state().pk)},
    )
    assert response.status_code == 302
    entry = InstitutionDomain.objects.get()
    assert (entry.domain, entry.institution, entry.added_by) == ("psu.edu", _penn_state(), curator)
    assert CurationEvent.objects.filter(action="institution_domain_added", actor=curator).exists()
    # Another Penn State record, claimed from the same domain, is approved at once.
    colleague = AuthorFactory(display_name="Jane Colleague")
    AuthorshipFactory(author=colleague, institution=_penn_state())
    later = claim_create(
        user=_with_address("jc@psu.edu"), author=colleague, evidence={"email": "jc@psu.edu"}
    )
    assert later.state == "approved" and later.granted_level == 3


def test_a_domain_can_only_be_recorded_for_one_of_the_records_institutions(schneider):
    claim = claim_create(
        user=_with_address("eve@university.evil.test"),
        author=schneider,
        evidence={"email": "eve@university.evil.test"},
    )
    elsewhere = Institution.objects.create(name="Elsewhere", name_key="elsewhere")
    with pytest.raises(ValidationError, match="record's institutions"):
        claim_approve(claim=claim, reviewer=CuratorFactory(), record_domain_for=elsewhere.pk)
    assert Claim.objects.get(pk=claim.pk).state == "pending"
    assert not InstitutionDomain.objects.exists()


def test_curators_edit_the_domain_table_in_the_admin_with_audit(client, schneider):
    curator = CuratorFactory()
    client.force_login(curator)
    response = client.post(
        "/admin/profiles/institutiondomain/add/",
        {"institution": _penn_state().pk, "domain": "PSU.edu", "note": "department web page"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = InstitutionDomain.objects.get()
    assert entry.domain == "psu.edu" and entry.added_by == curator
    refused = client.post(
        "/admin/profiles/institutiondomain/add/",
        {"institution": _penn_state().pk, "domain": "gmail.com"},
    )
    assert refused.status_code == 200 and "public mail provider" in refused.content.decode()
    client.post(
        f"/admin/profiles/institutiondomain/{entry.pk}/change/",
        {"institution": _penn_state().pk, "domain": "pennstate.edu", "note": "renamed"},
    )
    assert InstitutionDomain.objects.get().domain == "pennstate.edu"
    client.post(f"/admin/profiles/institutiondomain/{entry.pk}/delete/", {"post": "yes"})
    assert not InstitutionDomain.objects.exists()
    actions = list(CurationEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "institution_domain_added",
        "institution_domain_changed",
        "institution_domain_removed",
    ]


# --- adding a work ---------------------------------------------------------------------------


def _owned(display_name: str, owner=None) -> tuple[Author, object]:
    author = AuthorFactory(display_name=display_name)
    owner = owner or UserFactory()
    claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    return Author.objects.get(pk=author.pk), owner


def test_an_owner_cannot_pull_another_persons_author_line(client):
    import_path(ATTACKS)
    hrivnak = Authorship.objects.get(work__arxiv_id="math-ph/0509033", position=1)
    assert hrivnak.printed_name == "J. Hrivnak"
    mine, owner = _owned("Xavier Owner")
    client.force_login(owner)
    response = client.post(
        f"/authors/{mine.slug}/add-work/",
        {"arxiv_id": "math-ph/0509033", "position": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert "printed as “J. Hrivnak”" in page and "not a form of this record" in page
    after = Authorship.objects.get(pk=hrivnak.pk)
    assert (after.author_id, after.source) == (hrivnak.author_id, "arxiv")
    # Without a position nothing fits either.
    with pytest.raises(ValidationError, match="None of the names"):
        authorship_add(user=owner, author=mine, arxiv_id="math-ph/0509033")
    assert not CurationEvent.objects.filter(action="authorship_added").exists()


def test_an_owner_adds_their_own_author_line():
    import_path(ATTACKS)
    mine, owner = _owned("Jiri Hrivnak")
    added = authorship_add(user=owner, author=mine, arxiv_id="math-ph/0509033")
    assert (added.position, added.author_id, added.source) == (1, mine.pk, "claim")


def test_when_several_printed_names_fit_the_owner_picks_theirs(client):
    mine, owner = _owned("Arun Kumar")
    work = WorkFactory()
    first = AuthorshipFactory(
        work=work,
        position=1,
        printed_name="A. Kumar",
        author=AuthorFactory(display_name="A. Kumar"),
    )
    second = AuthorshipFactory(
        work=work,
        position=2,
        printed_name="Arun Kumar Jr.",
        author=AuthorFactory(display_name="Arun Kumar Jr."),
    )
    AuthorshipFactory(
        work=work,
        position=3,
        printed_name="B. Someone",
        author=AuthorFactory(display_name="B. Someone"),
    )
    client.force_login(owner)
    choose = client.post(f"/authors/{mine.slug}/add-work/", {"arxiv_id": work.arxiv_id})
    page = choose.content.decode()
    assert choose.status_code == 200 and "Which name" in page
    assert 'value="1"' in page and 'value="2"' in page and "B. Someone" not in page
    assert Authorship.objects.get(pk=first.pk).author_id != mine.pk
    done = client.post(
        f"/authors/{mine.slug}/add-work/", {"arxiv_id": work.arxiv_id, "position": "2"}
    )
    assert done.status_code == 302
    assert Authorship.objects.get(pk=second.pk).author_id == mine.pk
    assert Authorship.objects.get(pk=first.pk).author_id != mine.pk


@pytest.mark.parametrize(
    "arxiv_id,message",
    [
        ("not-an-id", "is not an arXiv id"),
        ("'; DROP TABLE", "is not an arXiv id"),
        ("2501.99999", "is not on BZPEER"),
    ],
)
def test_a_bogus_or_unknown_arxiv_id_is_a_clear_error_and_stores_nothing(client, arxiv_id, message):
    mine, owner = _owned("Arun Kumar")
    client.force_login(owner)
    response = client.post(f"/authors/{mine.slug}/add-work/", {"arxiv_id": arxiv_id}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "next import" not in page
    assert not CurationEvent.objects.filter(action="authorship_added").exists()


def test_a_curators_attribution_is_not_taken_by_an_owner():
    mine, owner = _owned("Arun Kumar")
    held = AuthorshipFactory(
        printed_name="Arun Kumar",
        source="curator",
        author=AuthorFactory(
            display_name="Arun Kumar", slug="arun-kumar--2", receives_imports=False
        ),
    )
    with pytest.raises(ValidationError, match="curator attributed"):
        authorship_add(user=owner, author=mine, arxiv_id=held.work.arxiv_id)
    assert Authorship.objects.get(pk=held.pk).author_id == held.author_id


def test_works_listed_as_evidence_must_exist(client):
    author = AuthorFactory()
    known = AuthorshipFactory(author=author).work
    client.force_login(UserFactory())
    response = client.post(
        f"/authors/{author.slug}/claim/",
        {"works": [known.arxiv_id], "works_text": "", "message": "mine"},
    )
    assert response.status_code == 302
    Claim.objects.all().delete()
    response = client.post(
        f"/authors/{author.slug}/claim/", {"works_text": "2501.99999 " + known.arxiv_id}
    )
    assert response.status_code == 400 and "Not in BZPEER: 2501.99999" in response.content.decode()
    assert not Claim.objects.exists()


# --- curators and their own claims -----------------------------------------------------------


def test_a_curators_claim_needs_another_curator(client):
    curator = CuratorFactory()
    author = AuthorFactory()
    SocialAccount.objects.create(user=curator, provider="orcid", uid="0000-0002-1825-0097")
    claim = claim_create(user=curator, author=author, evidence={"orcid": "0000-0002-1825-0097"})
    assert claim.state == "pending" and claim.evidence_level == 3  # strong, but not self-approved
    with pytest.raises(PermissionDenied, match="another curator"):
        claim_approve(claim=claim, reviewer=curator)
    client.force_login(curator)
    # Bulk approval in the queue refuses it with a message.
    client.post(
        "/admin/profiles/claim/", {"action": "approve_selected", "_selected_action": [claim.pk]}
    )
    assert Claim.objects.get(pk=claim.pk).state == "pending"
    # The review page offers no decision and refuses a forged one.
    page = client.get(f"/admin/profiles/claim/{claim.pk}/change/").content.decode()
    assert "another curator decides it" in page and 'name="approve"' not in page
    forged = client.post(
        f"/admin/profiles/claim/{claim.pk}/change/", {"approve": "1", "level": "4"}
    )
    assert "another curator" in forged.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == "pending"
    assert Author.objects.get(pk=author.pk).claimed_by is None
    # Another curator decides.
    claim_approve(claim=claim, reviewer=CuratorFactory())
    assert Author.objects.get(pk=author.pk).claimed_by == curator


def test_a_curator_does_not_decide_claims_on_a_record_they_own():
    author, curator = _owned("Arun Kumar", owner=CuratorFactory())
    dispute = claim_create(user=UserFactory(), author=author, evidence={"message": "It is me."})
    with pytest.raises(PermissionDenied):
        claim_reject(claim=dispute, reviewer=curator, reason="mine")
    with pytest.raises(PermissionDenied):
        claim_mark_disputed(claim=dispute, reviewer=curator)
    assert Claim.objects.get(pk=dispute.pk).state == "pending"


# --- disputes and limits ---------------------------------------------------------------------


def _score(author: Author) -> int:
    recompute_authors([author.pk])
    return Author.objects.get(pk=author.pk).trust_score


def test_throwaway_claims_do_not_lower_a_score_until_a_curator_saw_the_dispute(schneider):
    claim_approve(claim=ClaimFactory(author=schneider), reviewer=CuratorFactory())
    before = _score(schneider)
    assert before >= 40
    api = APIClient()
    first, second = UserFactory(), UserFactory()
    for user in (first, second):
        api.force_authenticate(user)
        response = api.post(
            "/api/me/claims/",
            {"author": schneider.slug, "evidence": {"message": "mine"}},
            format="json",
        )
        assert response.status_code == 201
    assert _score(schneider) == before
    claim = Claim.objects.get(user=second)
    claim_mark_disputed(claim=claim, reviewer=CuratorFactory())
    with pytest.raises(ValidationError, match="already marked"):  # twice is refused
        claim_mark_disputed(claim=claim, reviewer=CuratorFactory())
    after = Author.objects.get(pk=schneider.pk)
    recompute_authors([schneider.pk])
    after.refresh_from_db()
    assert after.trust_score == before - 10
    assert "1 open dispute" in after.trust_components["items"][4]["fact"]
    # Withdrawn, it no longer counts.
    api.force_authenticate(second)
    assert api.post(f"/api/me/claims/{claim.pk}/withdraw/").status_code == 200
    assert _score(schneider) == before


def test_a_claim_alone_is_no_dispute_to_mark():
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="no dispute"):
        claim_mark_disputed(claim=claim, reviewer=CuratorFactory())


def test_the_api_and_the_form_share_one_claim_rate_limit(client, settings):
    settings.BZPEER_RATE_CLAIM = "3/h"
    user = UserFactory()
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    assert (
        client.post(f"/authors/{AuthorFactory().slug}/claim/", {"message": "mine"}).status_code
        == 302
    )
    codes = [
        api.post(
            "/api/me/claims/",
            {"author": AuthorFactory().slug, "evidence": {"message": "m"}},
            format="json",
        ).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    limited = api.post(
        "/api/me/claims/",
        {"author": AuthorFactory().slug, "evidence": {"message": "m"}},
        format="json",
    )
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    form = client.post(f"/authors/{AuthorFactory().slug}/claim/", {"message": "mine"})
    assert form.status_code == 429 and "too many claims" in form.content.decode()
    assert Claim.objects.filter(user=user).count() == 3


def test_claims_waiting_at_once_are_limited_on_every_path(client, settings):
    settings.BZPEER_CLAIMS_PENDING_MAX = 2
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    for _ in range(2):
        assert (
            api.post(
                "/api/me/claims/",
                {"author": AuthorFactory().slug, "evidence": {"message": "m"}},
                format="json",
            ).status_code
            == 201
        )
    refused = api.post(
        "/api/me/claims/",
        {"author": AuthorFactory().slug, "evidence": {"message": "m"}},
        format="json",
    )
    assert refused.status_code == 400 and "2 claims waiting" in str(refused.json()["errors"])
    client.force_login(user)
    form = client.post(f"/authors/{AuthorFactory().slug}/claim/", {"message": "mine"})
    assert form.status_code == 400 and "2 claims waiting" in form.content.decode()
    assert Claim.objects.filter(user=user).count() == 2


@pytest.mark.parametrize("position", ["²", "x", "99999999999"])
def test_a_bad_position_is_a_clear_error(client, position):
    mine, owner = _owned("Arun Kumar")
    held = AuthorshipFactory(
        printed_name="Arun Kumar", author=AuthorFactory(display_name="A. Kumar")
    )
    client.force_login(owner)
    response = client.post(
        f"/authors/{mine.slug}/add-work/",
        {"arxiv_id": held.work.arxiv_id, "position": position},
        follow=True,
    )
    assert (
        response.status_code == 200
        and "Choose one of the printed names" in response.content.decode()
    )
    assert Authorship.objects.get(pk=held.pk).author_id == held.author_id
