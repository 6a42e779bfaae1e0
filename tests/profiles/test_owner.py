"""An owner corrects their record: bio, affiliation, "open to collaborate", works that are not
theirs, missing works, merge requests. Real arXiv records; every change is a curation event."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from profiles.claim_evidence import institution_domain_add
from profiles.claims import claim_approve, claim_create, claim_withdraw
from publications.audit import record_event
from publications.models import Author, Authorship, CurationEvent, Institution, Work
from publications.services import authorship_add, authorship_disown, import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, ClaimFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

SNAPSHOT = ARXIV / "abs-current-30.jsonl"


def _own(author: Author, user=None):
    user = user or UserFactory()
    claim_approve(claim=ClaimFactory(user=user, author=author), reviewer=CuratorFactory())
    author.refresh_from_db()
    return user


def test_owner_edits_bio_affiliation_and_open_to_collaborate(client):
    author = AuthorFactory()
    owner = _own(author)
    client.force_login(owner)
    assert client.get(f"/authors/{author.slug}/edit/").status_code == 200
    response = client.post(
        f"/authors/{author.slug}/edit/",
        {
            "bio": "I study galaxies.",
            "affiliation": "Fudan University",
            "open_to_collaborate": "on",
        },
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert (author.bio, author.institution.name, author.open_to_collaborate) == (
        "I study galaxies.",
        "Fudan University",
        True,
    )
    page = client.get(author.get_absolute_url()).content.decode()
    assert (
        "I study galaxies." in page and "Open to collaborate" in page and "Fudan University" in page
    )
    event = CurationEvent.objects.get(action="author_edited")
    assert (
        event.actor == owner
        and event.before["bio"] == ""
        and event.after["bio"] == "I study galaxies."
    )
    # The same edit again changes nothing and records nothing.
    client.post(
        f"/authors/{author.slug}/edit/",
        {
            "bio": "I study galaxies.",
            "affiliation": "Fudan University",
            "open_to_collaborate": "on",
        },
    )
    assert CurationEvent.objects.filter(action="author_edited").count() == 1


def test_not_mine_moves_the_work_to_a_new_record_and_imports_keep_it_there(client):
    import_path(SNAPSHOT)
    devlin = Author.objects.get(slug="jacob-devlin")
    owner = _own(devlin)
    client.force_login(owner)
    response = client.post(f"/authors/{devlin.slug}/not-mine/", {"arxiv_id": "1810.04805"})
    assert response.status_code == 302
    moved = Authorship.objects.get(work__arxiv_id="1810.04805", position=1)
    assert moved.author_id != devlin.pk and moved.source == "claim"
    assert moved.author.slug == "jacob-devlin--2" and moved.author.receives_imports is False
    event = CurationEvent.objects.get(action="authorship_disowned")
    assert event.actor == owner and event.after["author_slug"] == "jacob-devlin--2"
    assert "BERT" not in client.get(devlin.get_absolute_url()).content.decode()
    assert "BERT" in client.get(moved.author.get_absolute_url()).content.decode()
    # A later import of the same record does not put the work back.
    Work.objects.filter(arxiv_id="1810.04805").update(content_hash="")
    import_path(SNAPSHOT)
    assert (
        Authorship.objects.get(work__arxiv_id="1810.04805", position=1).author_id == moved.author_id
    )
    # Running it twice is refused: the record no longer has the work.
    with pytest.raises(ValidationError, match="not among this record's works"):
        authorship_disown(user=owner, work=moved.work, author=devlin)


def test_add_a_missing_work_by_arxiv_id(client):
    import_path(SNAPSHOT)
    devlin = Author.objects.get(slug="jacob-devlin")
    owner = _own(devlin)
    new = authorship_disown(user=owner, work=Work.objects.get(arxiv_id="1810.04805"), author=devlin)
    client.force_login(owner)
    response = client.post(f"/authors/{devlin.slug}/add-work/", {"arxiv_id": "arXiv:1810.04805v2"})
    assert response.status_code == 302
    back = Authorship.objects.get(work__arxiv_id="1810.04805", position=1)
    assert back.author_id == devlin.pk and back.source == "claim"
    assert CurationEvent.objects.filter(action="authorship_added", author=devlin).count() == 1
    assert new.pk != devlin.pk
    # Unknown ids and works without the owner's name are refused with a clear message.
    with pytest.raises(ValidationError, match="is not on BZPEER"):
        authorship_add(user=owner, author=devlin, arxiv_id="2501.99999")
    with pytest.raises(ValidationError, match="None of the names printed"):
        authorship_add(user=owner, author=devlin, arxiv_id="0704.0002")
    with pytest.raises(ValidationError, match="already among"):
        authorship_add(user=owner, author=devlin, arxiv_id="1810.04805")


def test_only_the_owner_changes_authorships():
    import_path(SNAPSHOT)
    devlin = Author.objects.get(slug="jacob-devlin")
    _own(devlin)
    work = Work.objects.get(arxiv_id="1810.04805")
    for intruder in (UserFactory(), CuratorFactory()):
        with pytest.raises(PermissionDenied):
            authorship_disown(user=intruder, work=work, author=devlin)
        with pytest.raises(PermissionDenied):
            authorship_add(user=intruder, author=devlin, arxiv_id="0704.0002")
    assert Authorship.objects.get(work=work, position=1).author_id == devlin.pk


def test_institutional_email_on_real_affiliations_is_l3():
    from allauth.account.models import EmailAddress

    import_path(SNAPSHOT)
    shi = Author.objects.get(slug="yu-shi")
    user = UserFactory()
    EmailAddress.objects.create(user=user, email="yshi@fudan.edu.cn", verified=True)
    # A domain nobody recorded for the record's institutions waits for a curator ...
    claim = claim_create(user=user, author=shi, evidence={"email": "yshi@fudan.edu.cn"})
    assert claim.state == "pending" and claim.evidence["email_domain"] == "fudan.edu.cn"
    claim_withdraw(user=user, claim=claim)
    # ... and once curators recorded it for the affiliation printed on the works, it is L3.
    fudan = Institution.objects.filter(authorships__author=shi, name__icontains="Fudan").first()
    institution_domain_add(user=CuratorFactory(), institution=fudan, domain="fudan.edu.cn")
    claim = claim_create(user=user, author=shi, evidence={"email": "yshi@fudan.edu.cn"})
    assert claim.state == "approved" and Author.objects.get(pk=shi.pk).verification_level == 3


def test_an_owner_of_two_records_asks_curators_to_merge_them(client):
    first, second = AuthorFactory(), AuthorFactory()
    owner = _own(first)
    _own(second, owner)
    client.force_login(owner)
    page = client.get(f"/authors/{first.slug}/edit/").content.decode()
    assert second.slug in page
    response = client.post(
        f"/authors/{first.slug}/merge-request/", {"other": second.slug, "message": "Both me"}
    )
    assert response.status_code == 302
    event = CurationEvent.objects.get(action="merge_requested")
    assert event.after == {"merge": second.pk, "into": first.pk} and event.note == "Both me"
    stranger_record = AuthorFactory()
    response = client.post(f"/authors/{first.slug}/merge-request/", {"other": stranger_record.slug})
    assert response.status_code == 403


def test_events_record_actor_and_record():
    author = AuthorFactory()
    event = record_event(
        actor=None, action="x", target_type="author", target_id=author.pk, author=author
    )
    assert event.actor is None and event.target_id == str(author.pk)


@pytest.mark.parametrize("n", [1, 6])
def test_edit_and_claim_pages_have_a_fixed_query_count(client, django_assert_num_queries, n):
    from tests.factories import AuthorshipFactory

    author = AuthorFactory()
    owner = _own(author)
    for _ in range(n):
        AuthorshipFactory(author=author)
        _own(AuthorFactory(), owner)
    client.force_login(owner)
    # session, user, record, works (page, authorships), the owner's other records
    with django_assert_num_queries(6):
        assert client.get(f"/authors/{author.slug}/edit/").status_code == 200
    other = AuthorFactory()
    for _ in range(n):
        AuthorshipFactory(author=other)
    # session, user, record, verified e-mails, ORCID accounts, works (page, authorships), the
    # user's waiting claim on the record
    with django_assert_num_queries(8):
        assert client.get(f"/authors/{other.slug}/claim/").status_code == 200
