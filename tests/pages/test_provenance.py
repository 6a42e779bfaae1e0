"""Where the profile's facts come from: the printed affiliation with its source, how each work
was attached to a record (import, owner's claim, curator), and when arXiv last showed it to us."""

from __future__ import annotations

import datetime as dt

import pytest

from publications.models import Author, AuthorshipSource, Work
from publications.selectors import author_last_synced
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, AuthorshipFactory, WorkFactory
from tests.pages.conftest import store_counters

pytestmark = pytest.mark.django_db
TEX_RECORDS = ARXIV / "tex-text.jsonl"


def test_profile_shows_the_latest_printed_affiliation_with_its_source(client):
    import_path(
        TEX_RECORDS
    )  # 0704.0163: "Franz G\"ahler (Institut f\"ur ..., Universit\"at Stuttgart)"
    author = Author.objects.get(authorships__work__arxiv_id="0704.0163", authorships__position=2)
    assert author.institution is None
    html = client.get(author.get_absolute_url()).content.decode()
    assert "Affiliation not imported" not in html
    assert "Institut für Theoretische und Angewandte Physik, Universität Stuttgart" in html
    assert "as printed on" in html
    # The newest of the record's works that prints an affiliation is the source named.
    newest = (
        Work.objects.filter(authorships__author=author)
        .exclude(authorships__printed_affiliation="")
        .order_by("-first_submitted")
        .first()
    )
    assert f"arXiv:{newest.arxiv_id}</a>, {newest.first_submitted.year})" in html


def test_a_record_without_any_printed_affiliation_says_so(client):
    author = AuthorFactory()
    AuthorshipFactory(author=author)
    html = client.get(author.get_absolute_url()).content.decode()
    assert "Affiliation not imported" in html


@pytest.mark.parametrize(
    ("source", "on_profile", "on_work"),
    [
        (
            AuthorshipSource.CLAIM,
            "Attached to this record by its owner",
            "(attached by the owner's claim)",
        ),
        (
            AuthorshipSource.CURATOR,
            "Attached to this record by a curator",
            "(attached by a curator)",
        ),
    ],
)
def test_works_attached_by_a_claim_or_a_curator_say_so(client, source, on_profile, on_work):
    author = AuthorFactory()
    imported = AuthorshipFactory(author=author).work
    attached = AuthorshipFactory(author=author, source=source).work
    store_counters(author)
    html = client.get(author.get_absolute_url()).content.decode()
    assert html.count(on_profile) == 1
    # The notice sits on the attached work's entry, not the imported one.
    assert html.index(on_profile) < html.index(attached.title)
    assert "attached by" not in client.get(imported.get_absolute_url()).content.decode()
    work_html = client.get(attached.get_absolute_url()).content.decode()
    assert on_work in work_html


def test_last_synced_moves_on_every_import_even_when_nothing_changed(client):
    import_path(TEX_RECORDS)
    work = Work.objects.get(arxiv_id="0704.0866")
    author = Author.objects.get(authorships__work=work, authorships__position=1)
    first_seen = work.last_seen_at
    assert first_seen is not None

    run = import_path(TEX_RECORDS)

    assert run.records_unchanged == 10
    work.refresh_from_db()
    assert work.last_seen_at > first_seen
    # The record's "last synced" is its newest work's.
    assert author_last_synced(author=author) == work.last_seen_at
    shown = f'datetime="{work.last_seen_at.isoformat()}"'
    assert "Last synced with arXiv" in client.get(work.get_absolute_url()).content.decode()
    profile = client.get(author.get_absolute_url()).content.decode()
    assert "Last synced with arXiv" in profile and shown in profile
    synced = dt.datetime.fromisoformat(
        client.get(f"/api/works/{work.arxiv_id}/").json()["last_synced_at"]
    )
    assert synced == work.last_seen_at
    synced = dt.datetime.fromisoformat(
        client.get(f"/api/authors/{author.slug}/").json()["last_synced_at"]
    )
    assert synced == work.last_seen_at


def test_a_work_never_seen_in_an_import_says_so(client):
    work = WorkFactory()
    assert "not seen in an arXiv import yet" in client.get(work.get_absolute_url()).content.decode()
    assert client.get(f"/api/works/{work.arxiv_id}/").json()["last_synced_at"] is None
    author = AuthorFactory()
    AuthorshipFactory(author=author, work=work)
    assert (
        "Not seen in an arXiv import yet" in client.get(author.get_absolute_url()).content.decode()
    )
    assert client.get(f"/api/authors/{author.slug}/").json()["last_synced_at"] is None
