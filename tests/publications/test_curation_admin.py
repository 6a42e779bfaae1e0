"""The curation admin: curators merge, undo, split, hide, re-import and recompute through it;
staff outside the curators group and plain users are refused on each action."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publications.models import Author, Authorship, CurationEvent, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    import_path(ARXIV / "abs-older-versions.jsonl")
    return Author.objects.get(slug="robin-de-jong"), Author.objects.get(slug="joachim-schroeter")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="staff", is_staff=True))
    return client


@pytest.fixture
def plain_client(client):
    client.force_login(UserFactory(username="plain"))
    return client


def login(client, user):
    client.force_login(user)
    return client


def slugs(arxiv_id: str) -> list[str]:
    return list(
        Authorship.objects.filter(work__arxiv_id=arxiv_id).values_list("author__slug", flat=True)
    )


def test_curators_group_is_not_superuser_and_holds_the_curate_permission(curator):
    assert not curator.is_superuser
    assert curator.has_perm("publications.curate_author")
    assert curator.has_perm("publications.change_work")


def test_curator_merges_from_the_changelist_with_a_preview(client, curator, records):
    kept, merged = records
    login(client, curator)
    response = client.post(
        "/admin/publications/author/",
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: [kept.pk, merged.pk]},
    )
    assert (
        response.status_code == 302
        and "/admin/publications/author/merge/?ids=" in response["Location"]
    )
    preview = client.get(response["Location"] + f"&kept={kept.pk}")
    html = preview.content.decode()
    assert preview.status_code == 200 and "0906.5504" in html and "Confirm merge" in html
    assert not CurationEvent.objects.exists()  # a preview changes nothing

    done = client.post(
        "/admin/publications/author/merge/",
        {"ids": f"{kept.pk},{merged.pk}", "kept": kept.pk, "note": "same person", "confirm": "1"},
    )
    assert (
        done.status_code == 302
        and done["Location"] == f"/admin/publications/author/{kept.pk}/change/"
    )
    assert slugs("0906.5504") == ["robin-de-jong"]
    event = CurationEvent.objects.get()
    assert (event.action, event.actor, event.note) == ("merge", curator, "same person")
    assert client.get(f"/authors/{merged.slug}/").status_code == 301


def test_merge_preview_shows_conflicts_and_has_no_confirm(client, curator, records):
    from profiles.models import Claim

    kept, merged = records
    Claim.objects.create(user=UserFactory(), author=kept, state="approved")
    Claim.objects.create(user=UserFactory(), author=merged, state="approved")
    login(client, curator)
    html = client.get(
        f"/admin/publications/author/merge/?ids={kept.pk},{merged.pk}"
    ).content.decode()
    assert "Two approved claims" in html and "Confirm merge" not in html
    refused = client.post(
        "/admin/publications/author/merge/",
        {"ids": f"{kept.pk},{merged.pk}", "kept": kept.pk, "confirm": "1"},
    )
    assert refused.status_code == 200 and "Two approved claims" in refused.content.decode()
    assert not CurationEvent.objects.exists()


def test_curator_undoes_a_merge_from_the_record_page(client, curator, records):
    kept, merged = records
    login(client, curator)
    client.post(
        "/admin/publications/author/merge/",
        {"ids": f"{kept.pk},{merged.pk}", "kept": kept.pk, "confirm": "1"},
    )
    page = client.get(f"/admin/publications/author/{merged.pk}/change/").content.decode()
    assert "Undo this merge" in page
    history = client.get(f"/admin/publications/author/{merged.pk}/history/").content.decode()
    assert "Undo this merge" in history and "merge" in history
    response = client.post(
        f"/admin/publications/author/{merged.pk}/unmerge/", {"note": "two people"}
    )
    assert response.status_code == 302
    assert slugs("0906.5504") == ["joachim-schroeter"]
    assert client.get(f"/authors/{merged.slug}/").status_code == 200
    assert list(CurationEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "merge",
        "unmerge",
    ]


def test_curator_splits_a_record(client, curator, records):
    kept, merged = records
    login(client, curator)
    client.post(
        "/admin/publications/author/merge/",
        {"ids": f"{kept.pk},{merged.pk}", "kept": kept.pk, "confirm": "1"},
    )
    form = client.get(f"/admin/publications/author/{kept.pk}/split/").content.decode()
    assert "0906.5504" in form and "0906.2112" in form
    work = Work.objects.get(arxiv_id="0906.5504")
    response = client.post(
        f"/admin/publications/author/{kept.pk}/split/", {"works": [work.pk], "note": "x"}
    )
    new = Author.objects.get(slug="robin-de-jong--2")
    assert response["Location"] == f"/admin/publications/author/{new.pk}/change/"
    assert slugs("0906.5504") == ["robin-de-jong--2"]
    assert CurationEvent.objects.filter(action="split", target_id=str(new.pk)).exists()
    everything = client.post(
        f"/admin/publications/author/{kept.pk}/split/",
        {"works": [Work.objects.get(arxiv_id="0906.2112").pk]},
    )
    assert everything.status_code == 200 and "at least one" in everything.content.decode()


def test_curator_hides_restores_reimports_and_recomputes(
    client, curator, records, monkeypatch, django_capture_on_commit_callbacks
):
    from publications import curation_works, tasks

    queued = []
    monkeypatch.setattr(tasks.reimport_work, "delay", queued.append)
    monkeypatch.setattr(curation_works, "workers_configured", lambda: True)
    kept, _ = records
    work = Work.objects.get(arxiv_id="0906.2112")
    login(client, curator)
    ask = client.post(
        "/admin/publications/work/", {"action": "hide_works", ACTION_CHECKBOX_NAME: [work.pk]}
    )
    assert ask.status_code == 200 and "Reason" in ask.content.decode()
    assert not Work.objects.get(pk=work.pk).hidden
    client.post(
        "/admin/publications/work/",
        {
            "action": "hide_works",
            ACTION_CHECKBOX_NAME: [work.pk],
            "reason": "duplicate",
            "apply": "Hide",
        },
    )
    assert Work.objects.get(pk=work.pk).hidden_reason == "duplicate"
    assert client.get("/works/0906.2112/").status_code == 404
    client.post(
        "/admin/publications/work/", {"action": "restore_works", ACTION_CHECKBOX_NAME: [work.pk]}
    )
    assert not Work.objects.get(pk=work.pk).hidden
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/publications/work/",
            {"action": "reimport_works", ACTION_CHECKBOX_NAME: [work.pk]},
        )
    assert queued == ["0906.2112"]
    client.post(
        "/admin/publications/author/",
        {"action": "recompute_scores", ACTION_CHECKBOX_NAME: [kept.pk]},
    )
    assert list(CurationEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "hide",
        "restore",
        "reimport",
        "recompute",
    ]


def test_flagged_queue_lists_flagged_records_with_a_split_link(client, curator, records):
    kept, merged = records
    Author.objects.filter(pk=kept.pk).update(may_combine_several=True)
    login(client, curator)
    html = client.get("/admin/publications/maycombineseveralrecord/").content.decode()
    assert f"/admin/publications/author/{kept.pk}/split/" in html
    assert merged.display_name not in html
    client.post(
        "/admin/publications/maycombineseveralrecord/",
        {"action": "clear_flag", ACTION_CHECKBOX_NAME: [kept.pk]},
    )
    assert not Author.objects.get(pk=kept.pk).shows_may_combine_several
    assert CurationEvent.objects.get().action == "unflag"


def test_hand_edit_of_a_record_is_logged(client, curator, records):
    kept, _ = records
    login(client, curator)
    response = client.post(
        f"/admin/publications/author/{kept.pk}/change/",
        {
            "display_name": "Robin de Jong",
            "name_variants": "R. de Jong",
            "institution": "",
            "bio": "Number theory.",
            "open_to_collaborate": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = CurationEvent.objects.get(action="edit")
    assert event.before["bio"] == "" and event.after["bio"] == "Number theory."


@pytest.mark.parametrize("who", ["staff", "plain", "anonymous"])
def test_non_curators_are_refused_on_every_action(client, records, who):
    kept, merged = records
    work = Work.objects.get(arxiv_id="0906.2112")
    Author.objects.filter(pk=kept.pk).update(may_combine_several=True)
    if who != "anonymous":
        login(client, UserFactory(username=who, is_staff=who == "staff"))
    views = [
        ("get", f"/admin/publications/author/merge/?ids={kept.pk},{merged.pk}", {}),
        (
            "post",
            "/admin/publications/author/merge/",
            {"ids": f"{kept.pk},{merged.pk}", "kept": kept.pk, "confirm": "1"},
        ),
        ("get", f"/admin/publications/author/{kept.pk}/split/", {}),
        ("post", f"/admin/publications/author/{kept.pk}/split/", {"works": [work.pk]}),
        ("post", f"/admin/publications/author/{merged.pk}/unmerge/", {}),
        ("get", f"/admin/publications/author/{kept.pk}/history/", {}),
        (
            "post",
            "/admin/publications/author/",
            {"action": "merge_selected", ACTION_CHECKBOX_NAME: [kept.pk, merged.pk]},
        ),
        (
            "post",
            "/admin/publications/author/",
            {"action": "recompute_scores", ACTION_CHECKBOX_NAME: [kept.pk]},
        ),
        (
            "post",
            "/admin/publications/work/",
            {
                "action": "hide_works",
                ACTION_CHECKBOX_NAME: [work.pk],
                "reason": "x",
                "apply": "Hide",
            },
        ),
        (
            "post",
            "/admin/publications/work/",
            {"action": "reimport_works", ACTION_CHECKBOX_NAME: [work.pk]},
        ),
        (
            "post",
            "/admin/publications/maycombineseveralrecord/",
            {"action": "clear_flag", ACTION_CHECKBOX_NAME: [kept.pk]},
        ),
        ("get", "/admin/publications/maycombineseveralrecord/", {}),
        ("get", "/admin/publications/curationevent/", {}),
    ]
    for method, url, data in views:
        response = getattr(client, method)(url, data)
        if who == "staff":
            assert response.status_code == 403, url
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert not CurationEvent.objects.exists()
    assert slugs("0906.5504") == ["joachim-schroeter"]
    assert not Work.objects.get(pk=work.pk).hidden
    assert Author.objects.get(pk=kept.pk).shows_may_combine_several


def grow(n: int) -> Author:
    """A record with n works (each with a co-author, a follow and an event), for query counts."""
    author = AuthorFactory(
        display_name=f"Ann Homonym {Author.objects.count()}", may_combine_several=True
    )
    for _ in range(n):
        work = WorkFactory()
        AuthorshipFactory(work=work, author=author, position=1)
        AuthorshipFactory(work=work, position=2)
        CurationEvent.objects.create(
            action="edit", target_type="author", target_id=str(author.pk), author=author
        )
    return author


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (content types) first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "page",
    [
        "/admin/publications/author/",
        "/admin/publications/author/?q=homonym",
        "/admin/publications/work/",
        "/admin/publications/work/?q=work",
        "/admin/publications/authorship/",
        "/admin/publications/authorship/?q=2401.00001",
        "/admin/publications/work/?q=arXiv:2401.00001v2",
        "/admin/publications/maycombineseveralrecord/",
        "/admin/publications/curationevent/",
        "/admin/publications/importrun/",
        "split",
        "history",
        "merge",
        "change",
        "work",
    ],
)
def test_admin_pages_use_the_same_queries_at_two_sizes(client, curator, page):
    login(client, curator)
    counts = []
    for n in (2, 12):
        author = grow(n)
        other = grow(n)
        url = {
            "split": f"/admin/publications/author/{author.pk}/split/",
            "history": f"/admin/publications/author/{author.pk}/history/",
            "merge": f"/admin/publications/author/merge/?ids={author.pk},{other.pk}",
            "change": f"/admin/publications/author/{author.pk}/change/",
            "work": f"/admin/publications/work/{Work.objects.last().pk}/change/",
        }.get(page, page)
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1]


def test_big_unfiltered_lists_show_the_row_estimate_and_filtered_lists_count(monkeypatch):
    from profiles.admin import EstimatedCountPaginator

    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 0)
    for _ in range(3):
        WorkFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE publications_work")
    WorkFactory()
    WorkFactory()  # not in the statistics yet: the estimate says 3, an exact count 5
    assert EstimatedCountPaginator(Work.objects.all(), 100).count == 3
    assert EstimatedCountPaginator(Work.objects.filter(hidden=False), 100).count == 5
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 10**9)
    assert EstimatedCountPaginator(Work.objects.all(), 100).count == 5


def test_owner_merge_request_links_to_the_merge_preview(client, curator, records):
    kept, merged = records
    CurationEvent.objects.create(
        action="merge_requested",
        target_type="author",
        target_id=str(merged.pk),
        author=kept,
        after={"merge": merged.pk, "into": kept.pk},
        note="both mine",
    )
    login(client, curator)
    html = client.get("/admin/publications/curationevent/?action=merge_requested").content.decode()
    link = f"/admin/publications/author/merge/?ids={kept.pk},{merged.pk}&amp;kept={kept.pk}"
    assert link in html
    preview = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Confirm merge" in preview and f"merge into {kept.display_name}" in preview
