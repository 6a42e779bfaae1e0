"""Run inside the benchmark database's Django (see bench_admin.py): time each curation admin page
as a signed-in curator, after checking it answers 200 with the content it should show.
Prints one JSON line: [[label, path, median ms, max ms, queries], ...]."""

from __future__ import annotations

import json
import statistics
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from profiles.curators import ensure_curators_group  # noqa: E402
from profiles.models import Claim  # noqa: E402
from publications.models import Author, Authorship, Work  # noqa: E402

RUNS = 5


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    ensure_curators_group()
    curator, _ = User.objects.get_or_create(username="bench-curator", defaults={"is_staff": True})
    curator.groups.add(Group.objects.get(name="curators"))
    claimant, _ = User.objects.get_or_create(
        username="bench-claimant", defaults={"email": "c@example.org"}
    )
    # The two records with the most authorships (homonym-heavy names): the worst case for
    # split and merge previews.
    big = list(Authorship.objects.values("author_id").annotate(n=Count("id")).order_by("-n")[:2])
    biggest, second = (row["author_id"] for row in big)
    Author.objects.filter(pk=biggest).update(may_combine_several=True)
    if not Claim.objects.filter(user=claimant, author_id=biggest, state="pending").exists():
        Claim.objects.create(user=claimant, author_id=biggest, evidence={"message": "bench"})
    claim = Claim.objects.filter(user=claimant, author_id=biggest, state="pending").first()
    work = Work.objects.order_by("-first_submitted").first()
    author = Author.objects.get(pk=biggest)
    word = author.name_key.split()[-1]

    pages = [
        ("author records", "/admin/publications/author/", "Select author"),
        ("author name search", f"/admin/publications/author/?q={word}", author.display_name),
        ("flagged queue", "/admin/publications/maycombineseveralrecord/", "Split"),
        ("works", "/admin/publications/work/", "Select work"),
        ("work full-text search", "/admin/publications/work/?q=dark+matter+halo", "dark"),
        ("work by arXiv id", f"/admin/publications/work/?q={work.arxiv_id}", work.arxiv_id),
        ("authorships", "/admin/publications/authorship/", "Select authorship"),
        (
            "authorships of a work",
            f"/admin/publications/authorship/?q={work.arxiv_id}",
            work.arxiv_id,
        ),
        ("claims queue", "/admin/profiles/claim/", f"Review #{claim.pk}"),
        (
            "claim review (biggest record)",
            f"/admin/profiles/claim/{claim.pk}/change/",
            "Approve claim",
        ),
        ("author record page", f"/admin/publications/author/{biggest}/change/", "Split"),
        (
            "split form (biggest record)",
            f"/admin/publications/author/{biggest}/split/",
            "split-works",
        ),
        (
            "merge preview (two biggest)",
            f"/admin/publications/author/merge/?ids={biggest},{second}",
            "Confirm merge",
        ),
        ("history", f"/admin/publications/author/{biggest}/history/", "History of"),
        ("import runs", "/admin/publications/importrun/", "Select import run"),
        ("curation events", "/admin/publications/curationevent/", "curation event"),
    ]
    client = Client()
    client.force_login(curator)
    rows = []
    for label, path, expected in pages:
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code == 200, (path, response.status_code)
        assert expected in body, (path, expected)
        times = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - start) * 1000)
        rows.append([label, path, statistics.median(times), max(times), len(ctx.captured_queries)])
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
