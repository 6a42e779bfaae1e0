"""Profile pages. Views compose selectors of several apps; selectors and services depend one way
(graph → publications → profiles)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from graph.selectors import author_score_trend
from profiles.selectors import author_viewer_state, visibility_version
from profiles.services import invitation_lock_reason
from publications import page_cache
from publications.pages import profile_page


def _cacheable(request: HttpRequest) -> bool:
    """Anonymous GET of the plain page (only ?page=) with no flash message to show: the same HTML
    for every such visitor (publications/page_cache.py)."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and set(request.GET) <= {"page"}
        and not len(messages.get_messages(request))
    )


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cached = None
    if _cacheable(request):
        number = request.GET.get("page", "1")[:12]
        author_id = page_cache.author_id(slug=slug)
        token = page_cache.generation(author_id=author_id) if author_id is not None else None
        if token is not None:
            content = page_cache.get(slug=slug, page=number, author_id=author_id, generation=token)
            if content is not None:
                return HttpResponse(content)
        cached = (number, author_id, token)
    page = profile_page(slug=slug, page=request.GET.get("page", 1))
    if page.author.merged_into_id:
        return redirect(page.author.merged_into, permanent=True)
    if page.author.hidden:
        return author_gone(request, page.author)
    response = render(request, "profiles/author_detail.html", {
        "author": page.author, "works": page.works, "top_topics": page.top_topics,
        "bio": page.bio, "bio_is_generated": page.bio_is_generated,
        # The visitor's own follow/claim state and why invitations are locked (0-1 query).
        "viewer": author_viewer_state(author=page.author, user=request.user),
        "invitation_lock": invitation_lock_reason(author=page.author, user=request.user),
        "score_trend": author_score_trend(author_id=page.author.pk),  # 1 query
        "visibility": visibility_version(),  # keys the cached works list (co-author links)
    })
    if cached is not None:
        number, author_id, token = cached
        if token is not None and author_id == page.author.pk:
            page_cache.put(slug=slug, page=number, author_id=author_id, generation=token,
                           content=response.content)
        else:  # first anonymous view: the token must be read before the data, next time
            page_cache.remember(slug=slug, author_id=page.author.pk)
    return response


def author_gone(request: HttpRequest, author) -> HttpResponse:
    """A record its owner hid: 410 with a short note, in the site layout. The owner sees how to
    show it again. Never stored in the anonymous page cache."""
    is_owner = request.user.is_authenticated and author.claimed_by_id == request.user.pk
    return render(request, "410.html", {
        "note": "Its owner chose to hide this researcher page. Their works are still listed on "
                "their publication pages.",
        "hidden_author": author if is_owner else None,
    }, status=410)
