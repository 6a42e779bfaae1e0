"""Profile pages. Views compose selectors of several apps; selectors and services depend one way
(graph → publications → profiles)."""

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from profiles.selectors import author_get
from profiles.text import neutral_bio
from publications.selectors import author_top_topics, author_works_page

WORKS_PER_PAGE = 20


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The researcher profile. 4 queries for any record size when nothing is cached: the record
    (every count is a stored counter), its top topics, one page of works with their first authors
    (2); 1 query once the page's fragments are cached (keyed by Author.page_version)."""
    author = author_get(slug=slug)
    if author.merged_into_id:
        return redirect(author.merged_into, permanent=True)

    @cache
    def top_topics() -> list:
        return author_top_topics(author_id=author.pk)

    def bio() -> str:
        return author.bio or neutral_bio(
            name=author.display_name, works_count=author.works_count,
            topic_codes=[t.code for t in top_topics()], first_year=author.first_year,
            last_year=author.last_year,
        )

    works = author_works_page(
        author_id=author.pk, page=request.GET.get("page", 1), per_page=WORKS_PER_PAGE,
        total=author.works_count,
    )
    # Lazy: the template calls these only when a fragment is not in the cache.
    context = {"author": author, "works": works, "top_topics": top_topics, "bio": bio,
               "bio_is_generated": not author.bio}
    return render(request, "profiles/author_detail.html", context)
