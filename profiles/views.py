"""Profile pages. Views compose selectors of several apps; selectors and services depend one way
(graph → publications → profiles)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from graph.selectors import author_score_trend
from profiles.selectors import author_get
from publications.selectors import author_works_page


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    author = author_get(slug=slug)
    if author.merged_into_id:
        return redirect(author.merged_into, permanent=True)
    works = author_works_page(author_id=author.pk, page=request.GET.get("page", 1))
    context = {"author": author, "works": works}
    context["score_trend"] = author_score_trend(author_id=author.pk)  # issue 5: trust trend
    return render(request, "profiles/author_detail.html", context)
