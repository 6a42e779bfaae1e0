"""Set-based recompute of counters and trust scores, checked against the authorship table."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command

from graph import services
from graph.models import ScoreChange
from graph.scoring import ScoreInputs, compute_score
from graph.selectors import several_researchers_queue
from profiles.claims import claim_mark_disputed
from profiles.models import Claim, Follow
from publications.models import Author, Authorship, VerificationLevel, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    CuratorFactory,
    UserFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db

# Real astro-ph records: every work of two researchers' close collaborators (16 records, one of
# them with 49 authors). Joel Smoller's works fall into two groups of co-authors on two topics.
COAUTHORS = ARXIV / "astro-ph-coauthors.jsonl"


@pytest.fixture
def imported():
    import_path(COAUTHORS)
    services.recompute_all()


def independent_counts() -> dict[int, dict[str, int]]:
    """Counters computed in plain Python from the authorship table (DESIGN.md definitions)."""
    visible = {w.pk: w for w in Work.objects.filter(hidden=False)}
    rows = list(Authorship.objects.values_list("author_id", "work_id"))
    authors_per_work: dict[int, set[int]] = defaultdict(set)
    names_printed: dict[int, int] = defaultdict(int)
    for author_id, work_id in rows:
        names_printed[work_id] += 1
        if work_id in visible:
            authors_per_work[work_id].add(author_id)
    works: dict[int, set[int]] = defaultdict(set)
    for work_id, authors in authors_per_work.items():
        for a in authors:
            works[a].add(work_id)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for work_id, authors in authors_per_work.items():
        if names_printed[work_id] <= 25:
            for a, b in itertools.permutations(authors, 2):
                shared[a, b] += 1
    close: dict[int, int] = defaultdict(int)
    for (a, _b), n in shared.items():
        if n >= 2:
            close[a] += 1
    return {
        a: {
            "works": len(ws),
            "topics": len({visible[w].primary_topic_id for w in ws}),
            "close": close[a],
        }
        for a, ws in works.items()
    }


def stored_counts() -> dict[int, dict[str, int]]:
    return {
        a.pk: {
            "works": a.works_count,
            "topics": a.topics_count,
            "close": a.close_collaborators_count,
        }
        for a in Author.objects.filter(works_count__gt=0)
    }


def snapshot():
    return list(
        Author.objects.order_by("pk").values_list(
            "pk",
            "works_count",
            "followers_count",
            "topics_count",
            "close_collaborators_count",
            "verified_collaborators_count",
            "first_year",
            "last_year",
            "trust_score",
            "trust_tier",
            "trust_formula_version",
            "trust_components",
            "may_combine_several",
            "scored_at",
        )
    )


def test_counts_match_the_authorship_table(imported):
    expected = independent_counts()
    assert stored_counts() == expected
    assert Author.objects.get(slug="yun-soo-myung").close_collaborators_count == 4
    smoller = Author.objects.get(slug="joel-smoller")
    assert (smoller.works_count, smoller.topics_count, smoller.close_collaborators_count) == (
        6,
        4,
        2,
    )
    assert (smoller.first_year, smoller.last_year) == (1998, 2009)


def test_large_collaborations_make_no_close_collaborators():
    big = [WorkFactory(authors_count=30) for _ in range(3)]
    people = AuthorFactory.create_batch(30)
    for work in big:
        for position, person in enumerate(people, 1):
            AuthorshipFactory(work=work, author=person, position=position)
    services.recompute_all()
    person = Author.objects.get(pk=people[0].pk)
    assert person.works_count == 3
    assert person.close_collaborators_count == 0
    assert "0 close collaborators" in person.trust_components["items"][2]["fact"]


def test_running_twice_changes_nothing(imported):
    before = snapshot()
    history = ScoreChange.objects.count()
    result = services.recompute_all()
    assert result.changed == 0 and result.score_changes == 0
    assert snapshot() == before
    assert ScoreChange.objects.count() == history
    assert history == Author.objects.filter(trust_score__gt=0).count()


def test_hiding_a_work_updates_the_record_and_its_coauthors_incrementally(imported):
    smoller = Author.objects.get(slug="joel-smoller")
    finster = Author.objects.get(slug="felix-finster")
    untouched = Author.objects.get(slug="yun-soo-myung")
    finster_close = finster.close_collaborators_count
    untouched_scored_at = untouched.scored_at
    # Smoller and Finster share two works; hiding one of them ends their close collaboration.
    Work.objects.filter(arxiv_id="gr-qc/0607046").update(hidden=True)
    # as curation does: the records on the changed work are the touched ones
    on_work = Authorship.objects.filter(work__arxiv_id="gr-qc/0607046").values_list(
        "author_id", flat=True
    )
    result = services.recompute_authors(on_work)
    assert result.scope >= 2 and result.changed >= 2
    smoller.refresh_from_db()
    finster.refresh_from_db()
    untouched.refresh_from_db()
    assert (smoller.works_count, smoller.close_collaborators_count) == (5, 1)
    assert finster.close_collaborators_count == finster_close - 1
    assert untouched.scored_at == untouched_scored_at
    # the incremental result is what a full recompute computes
    assert stored_counts() == independent_counts()
    assert services.recompute_all().changed == 0


def test_verified_collaborators_count_more(imported):
    smoller = Author.objects.get(slug="joel-smoller")
    before = smoller.trust_components
    Author.objects.filter(slug="blake-temple").update(
        verification_level=VerificationLevel.L2, claimed_by=UserFactory()
    )
    services.recompute_authors([Author.objects.get(slug="blake-temple").pk])
    smoller.refresh_from_db()
    assert smoller.verified_collaborators_count == 1
    network = smoller.trust_components["items"][2]
    assert network["fact"] == "2 close collaborators, 1 verified"
    assert network["points"] > before["items"][2]["points"]


def test_followers_and_claims_change_the_score(imported):
    author = Author.objects.get(slug="yun-soo-myung")
    user = UserFactory()
    author.claimed_by = user
    author.verification_level = VerificationLevel.L3
    author.save()
    Claim.objects.create(user=user, author=author, state="approved")
    for follower in UserFactory.create_batch(3):
        Follow.objects.create(user=follower, author=author)
    services.recompute_authors([author.pk])
    author.refresh_from_db()
    assert author.followers_count == 3
    assert author.trust_score > 24 and author.trust_tier != "Emerging"
    trend = list(ScoreChange.objects.filter(author=author).order_by("created_at", "id"))
    assert len(trend) == 2 and trend[1].previous_score == trend[0].score


def test_two_people_claiming_one_record_lower_trust_once_a_curator_saw_the_dispute(imported):
    author = Author.objects.get(slug="yun-soo-myung")
    before = author.trust_score
    Claim.objects.create(user=UserFactory(), author=author)
    services.recompute_authors([author.pk])
    author.refresh_from_db()
    assert author.trust_score == before  # one pending claim is no dispute
    second = Claim.objects.create(user=UserFactory(), author=author)
    services.recompute_authors([author.pk])
    author.refresh_from_db()
    assert author.trust_score == before  # not until a curator has seen the dispute
    claim_mark_disputed(claim=second, reviewer=CuratorFactory())
    services.recompute_authors([author.pk])
    author.refresh_from_db()
    assert author.trust_score == before - 10
    assert "1 open dispute" in author.trust_components["items"][4]["fact"]


def test_a_record_that_looks_like_several_people_is_flagged_and_queued(imported, admin_client):
    smoller = Author.objects.get(slug="joel-smoller")
    assert smoller.may_combine_several
    assert smoller.trust_components["items"][4]["fact"] == "may combine several researchers"
    unflagged = compute_score(
        ScoreInputs(
            verification_level=smoller.verification_level,
            works=smoller.works_count,
            first_year=smoller.first_year,
            last_year=smoller.last_year,
            close_collaborators=smoller.close_collaborators_count,
        )
    )
    assert smoller.trust_score == unflagged.score - 15
    assert not Author.objects.get(slug="yun-soo-myung").may_combine_several
    assert smoller in several_researchers_queue()
    response = admin_client.get("/admin/publications/maycombineseveralrecord/")
    assert response.status_code == 200
    assert "Joel Smoller" in response.content.decode()
    assert "Yun-Soo Myung" not in response.content.decode()


def test_a_recompute_of_every_record_by_id_gives_the_full_recompute_values(imported):
    # The scoped recompute reads co-authors and the "several researchers" groups another way
    # (graph.services._several_people_in_scope): from a blank state, scoping it to every record
    # must store what the full recompute stores, the flag included.
    full = snapshot()
    assert any(row[12] for row in full)  # Joel Smoller's record is flagged
    Author.objects.update(
        works_count=0,
        topics_count=0,
        close_collaborators_count=0,
        trust_score=0,
        trust_components={},
        may_combine_several=False,
        scored_at=None,
    )
    result = services.recompute_authors(Author.objects.values_list("pk", flat=True))
    assert result.flagged == sum(1 for row in full if row[12])
    without_times = [row[:-1] for row in snapshot()]
    assert without_times == [row[:-1] for row in full]
    assert services.recompute_all().changed == 0


def test_a_record_with_one_work():
    # An explicit date: the factory's dates move on with every work made earlier in the run.
    authorship = AuthorshipFactory(
        work__first_submitted=dt.datetime(2020, 6, 1, tzinfo=dt.UTC),
        work__latest_version_date=dt.datetime(2020, 6, 1, tzinfo=dt.UTC),
    )
    services.recompute_authors([authorship.author_id])
    author = Author.objects.get(pk=authorship.author_id)
    assert (author.works_count, author.topics_count, author.close_collaborators_count) == (1, 1, 0)
    assert author.first_year == author.last_year == 2020
    assert author.trust_components["items"][1]["fact"] == "1 work in 2020"


def test_merged_records_are_not_scored(imported):
    smoller = Author.objects.get(slug="joel-smoller")
    ghost = AuthorFactory(merged_into=smoller)
    services.recompute_all()
    ghost.refresh_from_db()
    assert ghost.scored_at is None


def test_command_runs_everything_or_one_record(imported):
    from io import StringIO

    out = StringIO()
    call_command("recompute_scores", stdout=out)
    assert "0 changed" in out.getvalue()
    Work.objects.filter(arxiv_id="gr-qc/0703033").update(hidden=True)
    out = StringIO()
    call_command("recompute_scores", "--author", "joel-smoller", stdout=out)
    assert "changed" in out.getvalue() and " 0 changed" not in out.getvalue()
    assert Author.objects.get(slug="joel-smoller").works_count == 5
    with pytest.raises(CommandError, match="no-such-person"):
        call_command("recompute_scores", "--author", "no-such-person")


def test_import_signal_enqueues_the_recompute(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_path(COAUTHORS)
    smoller = Author.objects.get(slug="joel-smoller")
    assert smoller.scored_at is not None and smoller.works_count == 6


def test_profile_signal_enqueues_the_recompute(imported, django_capture_on_commit_callbacks):
    from publications.signals import author_records_changed

    author = Author.objects.get(slug="yun-soo-myung")
    Follow.objects.create(user=UserFactory(), author=author)
    with django_capture_on_commit_callbacks(execute=True):
        author_records_changed.send(
            sender=Follow, author_ids=[author.pk], authorships_changed=False
        )
    author.refresh_from_db()
    assert author.followers_count == 1


def test_large_change_sets_enqueue_the_full_recompute(
    imported, monkeypatch, django_capture_on_commit_callbacks
):
    from graph import apps, tasks

    calls = []
    monkeypatch.setattr(apps, "FULL_RECOMPUTE_ABOVE", 2)
    monkeypatch.setattr(tasks.recompute_all, "delay", lambda: calls.append("all"))
    monkeypatch.setattr(
        tasks.recompute_authors, "delay", lambda ids, collab: calls.append((ids, collab))
    )
    from publications.signals import author_records_changed

    with django_capture_on_commit_callbacks(execute=True):
        author_records_changed.send(sender=Work, author_ids=[1, 2, 3], authorships_changed=True)
        author_records_changed.send(sender=Work, author_ids=[2, 1], authorships_changed=True)
    assert calls == ["all", ([1, 2], False)]
