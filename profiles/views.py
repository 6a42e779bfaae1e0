"""Profile pages. Views compose selectors of several apps; selectors and services depend one way
(graph → publications → profiles)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from profiles.selectors import author_get, author_viewer_state
from profiles.services import invitation_lock_reason
from publications.selectors import author_works_page


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    author = author_get(slug=slug)
    if author.merged_into_id:
        return redirect(author.merged_into, permanent=True)
    works = author_works_page(author_id=author.pk, page=request.GET.get("page", 1))
    context = {"author": author, "works": works}
    # issue 4: the visitor's follow/claim state and why invitations are locked (0-1 query)
    context["viewer"] = author_viewer_state(author=author, user=request.user)
    context["invitation_lock"] = invitation_lock_reason(author=author, user=request.user)
    return render(request, "profiles/author_detail.html", context)
