"""The researcher page of an author record: the cached anonymous page, redirects of old and
merged records, and the note of a hidden one. Views compose selectors of several apps."""

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from bzpeer import page_cache, personal
from graph.selectors import author_score_trend
from profiles.invitations import invitation_lock_reason
from profiles.pages import profile_page
from profiles.selectors import author_canonical_slug, author_viewer_state, author_with_viewer_state
from publications.author_records import visibility_version
from publications.selectors import page_number

if TYPE_CHECKING:
    from publications.models import Author


def _cacheable(request: HttpRequest) -> bool:
    """Anonymous GET of the plain page (only ?page=) with no flash message to show: the same HTML
    for every such visitor (bzpeer/page_cache.py)."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and set(request.GET) <= {"page"}
        and not len(messages.get_messages(request))
    )


def _for_signed_in(request: HttpRequest, slug: str) -> HttpResponse | None:
    """The stored anonymous page with this signed-in visitor's header and follow, claim and
    invitation cards (bzpeer/personal.py): the session, the user, and the record with the
    visitor's state on it (3 queries). None when no anonymous copy is stored."""
    if not personal.shareable(request, {"page"}):
        return None
    number = str(page_number(request.GET.get("page", 1)))
    author_id = page_cache.author_id(slug=slug)
    if author_id is None:
        return None
    token = page_cache.generation(author_id=author_id)  # before the data
    content = page_cache.get(slug=slug, page=number, author_id=author_id, generation=token)
    if content is None:
        return None
    found = author_with_viewer_state(slug=slug, user=request.user)
    if found is None:
        return None
    author, viewer = found
    if author.pk != author_id or author.merged_into_id or author.hidden:
        return None
    cards = render_to_string(
        "profiles/_visitor_cards.html",
        {
            "author": author,
            "viewer": viewer,
            "invitation_lock": invitation_lock_reason(author=author, user=request.user),
        },
        request=request,
    )
    return personal.for_visitor(request, content, {"profile-actions": cards})


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.user.is_authenticated:
        mine = _for_signed_in(request, slug)
        if mine is not None:
            return mine
    cached = None
    if _cacheable(request):
        # The page the paginator will show: ?page=01, ?page=0000001 and ?page=x share page 1's entry.
        number = str(page_number(request.GET.get("page", 1)))
        author_id = page_cache.author_id(slug=slug)
        token = page_cache.generation(author_id=author_id) if author_id is not None else None
        if author_id is not None and token is not None:
            content = page_cache.get(slug=slug, page=number, author_id=author_id, generation=token)
            if content is not None:
                return HttpResponse(content)
        cached = (number, author_id, token)
    try:
        page = profile_page(slug=slug, page=request.GET.get("page", 1))
    except Http404:
        canonical = author_canonical_slug(slug=slug)
        if canonical is None:
            raise
        url = reverse("profiles:author", kwargs={"slug": canonical})
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{url}?{query}" if query else url, permanent=True)
    if page.author.merged_into_id:
        return redirect(cast("Author", page.author.merged_into), permanent=True)
    if page.author.hidden:
        return author_gone(request, page.author)
    response = render(
        request,
        "profiles/author_detail.html",
        {
            "author": page.author,
            "works": page.works,
            "top_topics": page.top_topics,
            "bio": page.bio,
            "bio_is_generated": page.bio_is_generated,
            "printed_affiliation": page.printed_affiliation,
            "owner_orcid": page.orcid,
            "last_synced": page.last_synced,
            # The visitor's own follow/claim state and why invitations are locked (0-1 query).
            "viewer": author_viewer_state(author=page.author, user=request.user),
            "invitation_lock": invitation_lock_reason(author=page.author, user=request.user),
            "score_trend": author_score_trend(author_id=page.author.pk),  # 1 query
            "name_people": page.name_people,
            "visibility": visibility_version(),  # keys the cached works list (co-author links)
        },
    )
    if cached is not None:
        number, author_id, token = cached
        # Past the last page (an empty list) nothing is stored: a page number is no way to fill
        # the cache.
        beyond = page.works.num_pages is not None and page.works.number > page.works.num_pages
        if token is not None and author_id == page.author.pk and not beyond:
            page_cache.put(
                slug=slug,
                page=number,
                author_id=author_id,
                generation=token,
                content=response.content,
            )
        else:  # first anonymous view: the token must be read before the data, next time
            page_cache.remember(slug=slug, author_id=page.author.pk)
    return response


def author_gone(request: HttpRequest, author) -> HttpResponse:
    """A record its owner hid: 410 with a short note, in the site layout. The owner sees how to
    show it again. Never stored in the anonymous page cache."""
    is_owner = request.user.is_authenticated and author.claimed_by_id == request.user.pk
    return render(
        request,
        "410.html",
        {
            "note": "Its owner chose to hide this researcher page. Their works are still listed on "
            "their publication pages.",
            "hidden_author": author if is_owner else None,
        },
        status=410,
    )
