"""Profile pages. Views compose selectors of several apps; selectors and services depend one way
(graph → publications → profiles)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from profiles.selectors import author_get
from profiles.text import neutral_bio
from publications.selectors import author_top_topics, author_works_page

WORKS_PER_PAGE = 20


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The researcher profile. 3 queries for any record size: the record (every count is a stored
    counter), its top topics (cached), one page of works with their first authors (2)."""
    author = author_get(slug=slug)
    if author.merged_into_id:
        return redirect(author.merged_into, permanent=True)
    topics = author_top_topics(author_id=author.pk)
    works = author_works_page(
        author_id=author.pk, page=request.GET.get("page", 1), per_page=WORKS_PER_PAGE,
        total=author.works_count,
    )
    bio = author.bio or neutral_bio(
        name=author.display_name, works_count=author.works_count,
        topic_codes=[t.code for t in topics], first_year=author.first_year,
        last_year=author.last_year,
    )
    context = {"author": author, "works": works, "top_topics": topics, "bio": bio,
               "bio_is_generated": not author.bio}
    return render(request, "profiles/author_detail.html", context)
