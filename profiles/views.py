"""Profile pages. Views compose selectors of several apps; selectors and services depend one way
(graph → publications → profiles)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from profiles.selectors import author_viewer_state
from profiles.services import invitation_lock_reason
from publications.pages import profile_page


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = profile_page(slug=slug, page=request.GET.get("page", 1))
    if page.author.merged_into_id:
        return redirect(page.author.merged_into, permanent=True)
    return render(request, "profiles/author_detail.html", {
        "author": page.author, "works": page.works, "top_topics": page.top_topics,
        "bio": page.bio, "bio_is_generated": page.bio_is_generated,
        # The visitor's own follow/claim state and why invitations are locked (0-1 query).
        "viewer": author_viewer_state(author=page.author, user=request.user),
        "invitation_lock": invitation_lock_reason(author=page.author, user=request.user),
    })
