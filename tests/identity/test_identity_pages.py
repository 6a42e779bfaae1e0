"""What people see of the identity engine, on real astro-ph records (A. C. Fabian's name forms,
tests/data/identity/astro-ph-fabian.jsonl): the owner's "Is this also you?", the curators'
queue of uncertain cases, and a split record's name page and followers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command

from profiles.follows import follow_author
from profiles.models import Follow, SplitNotice
from publications.curation import split_author
from publications.identity_review import LOW_CONFIDENCE
from publications.identity_service import resolve_identities
from publications.models import Author, Authorship, CurationEvent, IdentityDecision
from tests.factories import CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

FABIAN = Path(__file__).resolve().parent.parent / "data" / "identity" / "astro-ph-fabian.jsonl"


@pytest.fixture
def imported():
    call_command("import_arxiv", "--no-progress", str(FABIAN))


@pytest.fixture
def proposal(imported):
    """Andy Fabian's record is claimed: the engine proposes the other name forms to its owner."""
    owner = UserFactory(username="andy")
    Author.objects.filter(slug="andy-fabian").update(claimed_by=owner, verification_level=3)
    resolve_identities(names=["A. C. Fabian"])
    decision = IdentityDecision.objects.get(kind="proposal")
    return owner, Author.objects.get(slug="andy-fabian"), decision


def test_owner_sees_the_proposal_with_works_and_evidence(client, proposal):
    owner, andy, decision = proposal
    other = Author.objects.get(pk=decision.records[1])
    client.force_login(owner)
    page = client.get("/authors/andy-fabian/edit/").content.decode()
    assert "Is this also you?" in page
    assert other.slug in page
    assert decision.reason in page
    newest = (
        Authorship.objects.filter(author=other).select_related("work")
        .order_by("-work__first_submitted").first()
    )  # fmt: skip
    assert newest.work.title in page


def test_owner_takes_the_proposal(client, proposal):
    owner, andy, decision = proposal
    others = decision.records[1:]
    follower = UserFactory(username="reader")
    follow_author(user=follower, author=Author.objects.get(pk=others[0]))
    works = Authorship.objects.filter(author_id__in=decision.records).count()
    client.force_login(owner)
    response = client.post(
        "/authors/andy-fabian/proposals/", {"decision": decision.pk, "answer": "take"}
    )
    assert response.status_code == 302
    assert Authorship.objects.filter(author=andy).count() == works
    for pk in others:
        merged = Author.objects.get(pk=pk)
        assert merged.merged_into_id == andy.pk
        redirect = client.get(f"/authors/{merged.slug}/")
        assert redirect.status_code == 301 and redirect["Location"].endswith("/andy-fabian/")
    assert Follow.objects.filter(user=follower, author=andy).exists()
    decision.refresh_from_db()
    assert decision.review == "accepted" and decision.reviewed_by == owner
    assert CurationEvent.objects.filter(action="merge", actor=owner, author=andy).count() == len(
        others
    )
    # Answered: neither shown again nor taken twice.
    assert "Is this also you?" not in client.get("/authors/andy-fabian/edit/").content.decode()
    again = client.post(
        "/authors/andy-fabian/proposals/", {"decision": decision.pk, "answer": "take"}
    )
    assert again.status_code == 302
    assert CurationEvent.objects.filter(action="merge", actor=owner).count() == len(others)


def test_not_me_is_stored_and_respected_by_later_passes(client, proposal):
    owner, andy, decision = proposal
    client.force_login(owner)
    client.post("/authors/andy-fabian/proposals/", {"decision": decision.pk, "answer": "not-me"})
    decision.refresh_from_db()
    assert decision.review == "rejected"
    assert "Is this also you?" not in client.get("/authors/andy-fabian/edit/").content.decode()
    # Even once the record is no longer claimed, the engine does not join what its owner
    # said is another person.
    Author.objects.filter(pk=andy.pk).update(claimed_by=None)
    result = resolve_identities(names=["A. C. Fabian"])
    assert (result.merged, result.proposals) == (0, 0)
    assert Author.objects.get(pk=andy.pk).merged_into_id is None


def test_the_owner_cannot_take_a_record_someone_else_claimed(client, proposal):
    owner, andy, decision = proposal
    other = decision.records[1]
    Author.objects.filter(pk=other).update(claimed_by=UserFactory(username="someone"))
    client.force_login(owner)
    client.post("/authors/andy-fabian/proposals/", {"decision": decision.pk, "answer": "take"})
    assert Author.objects.get(pk=other).merged_into_id is None
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""


def test_an_unverified_owner_cannot_answer(client, proposal):
    _, andy, decision = proposal
    unverified = UserFactory(username="unverified-owner", verified_email=False)
    Author.objects.filter(pk=andy.pk).update(claimed_by=unverified)
    client.force_login(unverified)
    client.post("/authors/andy-fabian/proposals/", {"decision": decision.pk, "answer": "take"})
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""
    assert Author.objects.get(pk=decision.records[1]).merged_into_id is None


def test_a_proposal_of_another_record_cannot_be_answered_from_mine(client, proposal):
    _, andy, decision = proposal
    mine = Author.objects.exclude(pk__in=decision.records).filter(merged_into=None).first()
    me = UserFactory(username="me")
    Author.objects.filter(pk=mine.pk).update(claimed_by=me)
    client.force_login(me)
    client.post(f"/authors/{mine.slug}/proposals/", {"decision": decision.pk, "answer": "take"})
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""
    assert Author.objects.get(pk=decision.records[1]).merged_into_id is None


# ---------------------------------------------------------------------------------------------
# The curators' queue


def test_queue_lists_proposals_and_low_confidence_merges_biggest_first(client, imported):
    owner = UserFactory(username="andy")
    Author.objects.filter(slug="andy-fabian").update(claimed_by=owner)
    resolve_identities()  # a full pass: merges and the proposal
    decisions = list(IdentityDecision.objects.all())
    assert any(d.kind == "proposal" for d in decisions)
    client.force_login(CuratorFactory(username="curator"))
    page = client.get("/admin/publications/identitydecision/").content.decode()
    shown = [d for d in decisions if d.kind == "proposal" or d.confidence < LOW_CONFIDENCE]
    for decision in shown:
        assert decision.reason in page
    hidden = [d for d in decisions if d not in shown]
    for decision in hidden:
        assert decision.reason not in page
    # Biggest first: by the works of the records involved.
    sizes = []
    for decision in shown:
        works = sum(
            Author.objects.filter(pk__in=decision.records).values_list("works_count", flat=True)
        )
        sizes.append((page.index(decision.reason), works))
    assert [w for _, w in sorted(sizes)] == sorted((w for _, w in sizes), reverse=True)


def test_curator_accepts_a_proposal(client, proposal):
    _, andy, decision = proposal
    client.force_login(CuratorFactory(username="curator"))
    response = client.post(
        "/admin/publications/identitydecision/",
        {"action": "accept", ACTION_CHECKBOX_NAME: [decision.pk]},
    )
    assert response.status_code == 302
    for pk in decision.records[1:]:
        assert Author.objects.get(pk=pk).merged_into_id == andy.pk
    assert IdentityDecision.objects.get(pk=decision.pk).review == "accepted"


def test_curator_rejects_a_proposal_and_it_is_never_proposed_again(client, proposal):
    _, andy, decision = proposal
    client.force_login(CuratorFactory(username="curator"))
    client.post(
        "/admin/publications/identitydecision/",
        {"action": "reject", ACTION_CHECKBOX_NAME: [decision.pk]},
    )
    assert IdentityDecision.objects.get(pk=decision.pk).review == "rejected"
    Author.objects.filter(pk=andy.pk).update(claimed_by=None)
    result = resolve_identities(names=["A. C. Fabian"])
    assert (result.merged, result.proposals) == (0, 0)


def test_curator_rejects_an_engine_merge_and_it_is_undone(client, imported):
    resolve_identities(names=["A. C. Fabian"])
    decision = IdentityDecision.objects.get(kind="merge")
    client.force_login(CuratorFactory(username="curator"))
    client.post(
        "/admin/publications/identitydecision/?review=all",
        {"action": "reject", ACTION_CHECKBOX_NAME: [decision.pk]},
    )
    assert IdentityDecision.objects.get(pk=decision.pk).review == "rejected"
    for pk in decision.records[1:]:
        assert Author.objects.get(pk=pk).merged_into_id is None
    again = resolve_identities(names=["A. C. Fabian"])
    assert (again.merged, again.proposals) == (0, 0)


# ---------------------------------------------------------------------------------------------
# A record that held several people


@pytest.fixture
def split(imported):
    curator = CuratorFactory(username="curator")
    old = Author.objects.get(slug="a-c-fabian")
    reader = UserFactory(username="reader")
    follow_author(user=reader, author=old)
    works = list(
        Authorship.objects.filter(author=old)
        .order_by("work__arxiv_id")
        .values_list("work_id", flat=True)[:2]
    )
    new, _ = split_author(author_id=old.pk, work_ids=works, actor=curator)
    return old, new, reader


def test_old_slug_keeps_a_page_and_links_everyone_under_the_name(client, split):
    old, new, _ = split
    profile = client.get("/authors/a-c-fabian/")
    assert profile.status_code == 200
    assert "/authors/a-c-fabian/people/" in profile.content.decode()
    page = client.get("/authors/a-c-fabian/people/").content.decode()
    for record in (old, new):
        record.refresh_from_db()
        assert record.get_absolute_url() in page
        newest = (
            Authorship.objects.filter(author=record).select_related("work")
            .order_by("-work__first_submitted").first()
        )  # fmt: skip
        assert newest.work.title in page
    assert "Topics:" in page
    # The new record links the same name page.
    assert "/authors/a-c-fabian--2/people/" in client.get(new.get_absolute_url()).content.decode()


def test_a_record_never_split_has_no_name_page(client, imported):
    response = client.get("/authors/a-c-fabian/people/")
    assert response.status_code == 302 and response["Location"].endswith("/authors/a-c-fabian/")


def test_followers_are_told_and_choose_whom_to_follow(client, split):
    old, new, reader = split
    # Nobody is moved silently: the follow stays where it was and the follower is told.
    assert Follow.objects.filter(user=reader, author=old).exists()
    notice = SplitNotice.objects.get(user=reader, author=old, closed_at=None)
    client.force_login(reader)
    page = client.get("/following/").content.decode()
    assert "was several researchers" in page and new.slug in page
    response = client.post(f"/following/split/{notice.pk}/", {"follow": [str(new.pk)]})
    assert response.status_code == 302
    assert set(Follow.objects.filter(user=reader).values_list("author_id", flat=True)) == {new.pk}
    assert SplitNotice.objects.get(pk=notice.pk).closed_at is not None
    assert "was several researchers" not in client.get("/following/").content.decode()


def test_a_follower_who_had_visited_the_following_page_is_told_too(client, imported):
    # The page reads the notices only when the feed key's query says one is open: the key
    # exists from the earlier visit, before the split.
    old = Author.objects.get(slug="a-c-fabian")
    reader = UserFactory(username="reader")
    follow_author(user=reader, author=old)
    client.force_login(reader)
    assert "was several researchers" not in client.get("/following/").content.decode()
    work = Authorship.objects.filter(author=old).order_by("work__arxiv_id").first().work_id
    new, _ = split_author(author_id=old.pk, work_ids=[work], actor=CuratorFactory())
    page = client.get("/following/").content.decode()
    assert "was several researchers" in page and new.slug in page


def test_a_notice_is_its_follower_s_alone(client, split):
    old, new, reader = split
    notice = SplitNotice.objects.get(user=reader)
    intruder = UserFactory(username="intruder")
    client.force_login(intruder)
    client.post(f"/following/split/{notice.pk}/", {"follow": [str(new.pk)]})
    assert SplitNotice.objects.get(pk=notice.pk).closed_at is None
    assert not Follow.objects.filter(user=intruder).exists()
    assert set(Follow.objects.filter(user=reader).values_list("author_id", flat=True)) == {old.pk}


@pytest.mark.parametrize(
    "role,expected",
    [("anonymous", "login"), ("other", "login"), ("staff", 403), ("curator", 200)],
)
def test_who_may_read_the_queue(client, proposal, role, expected):
    _, _, decision = proposal
    if role == "staff":
        client.force_login(UserFactory(username="staff", is_staff=True))
    elif role == "curator":
        client.force_login(CuratorFactory(username="curator"))
    elif role == "other":
        client.force_login(UserFactory(username="other"))
    for url in (
        "/admin/publications/identitydecision/",
        f"/admin/publications/identitydecision/{decision.pk}/change/",
    ):
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        else:
            assert response.status_code == expected
            if expected == 200:
                assert decision.reason in response.content.decode()
                if url.endswith("/change/"):  # the evidence behind it
                    assert "shared_coauthors" in response.content.decode()


@pytest.mark.parametrize("n", [1, 4])
def test_queue_and_name_page_have_a_fixed_query_count(client, django_assert_num_queries, n):
    from tests.factories import AuthorFactory, AuthorshipFactory

    curator = CuratorFactory(username="curator")
    for i in range(n):
        kept, other = AuthorFactory(), AuthorFactory()
        for _ in range(n):
            AuthorshipFactory(author=kept)
            AuthorshipFactory(author=other)
        IdentityDecision.objects.create(
            kind="proposal", author=kept, records=[kept.pk, other.pk],
            reason=f"one person: {i} shared co-authors", confidence=0.85,
        )  # fmt: skip
    old = AuthorFactory(slug="x-y")
    works = [AuthorshipFactory(author=old).work_id for _ in range(2 * n)]
    split_author(author_id=old.pk, work_ids=works[:n], actor=curator)
    client.force_login(curator)
    # session, user, permissions (twice), the count, the curators-group check (once for the
    # request, however many admin models ask), the page of decisions with their records and
    # works: the same at both sizes
    with django_assert_num_queries(7):
        assert client.get("/admin/publications/identitydecision/").status_code == 200
    client.logout()
    # the record, the split events (twice: from it, then from the record split off), the live
    # records, then per person their newest works and topics
    with django_assert_num_queries(8):
        assert client.get("/authors/x-y/people/").status_code == 200
