"""Following author records: follow and unfollow from the profile, the /following/ page of
followed records' new works, and its private feed address. Every write is a POST behind CSRF;
visitors are sent to log in and come back to the profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from profiles import feed_keys, selectors, services
from profiles.feeds import TextAtomFeed
from profiles.models import Author
from profiles.views.common import live_author, login_url, refuse, wants_json
from publications.selectors import followed_works_page


@require_POST
def follow(request: HttpRequest, slug: str, *, on: bool = True) -> HttpResponse:
    author = live_author(slug)
    profile = author.get_absolute_url()
    if not request.user.is_authenticated:
        if wants_json(request):
            return JsonResponse({"login_url": login_url(profile)}, status=401)
        return redirect(login_url(profile))
    if on:
        try:
            services.follow_author(user=request.user, author=author)
        except ValidationError as exc:
            return refuse(request, exc, profile)
    else:
        services.unfollow_author(user=request.user, author=author)
    followers = Author.objects.values_list("followers_count", flat=True).get(pk=author.pk)
    if wants_json(request):
        return JsonResponse({"following": on, "followers_count": followers})
    return redirect(profile)


def unfollow(request: HttpRequest, slug: str) -> HttpResponse:
    return follow(request, slug, on=False)


@login_required
@require_GET
def following(request: HttpRequest) -> HttpResponse:
    user_id: int = request.user.pk  # type: ignore[assignment]  # login_required
    works = followed_works_page(user_id=user_id, page=request.GET.get("page", 1))
    key = feed_keys.following_feed_key(user=request.user)
    feed_url = request.build_absolute_uri(reverse("profiles:following-feed", args=[key]))
    return render(request, "profiles/following.html", {"works": works, "feed_url": feed_url})


@login_required
@require_POST
def following_feed_rotate(request: HttpRequest) -> HttpResponse:
    """A new private feed address; the old one stops working."""
    try:
        feed_keys.following_feed_key_rotate(user=request.user)
    except ValidationError as exc:
        return refuse(request, exc, reverse("profiles:following"))
    messages.success(
        request,
        "Your feed has a new address; the old one no longer works. Update your feed reader.",
    )
    return redirect("profiles:following")


@require_GET
def following_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Per-user Atom feed; the secret key in the URL stands in for the session feed readers
    do not have."""
    user_id = selectors.following_feed_user_id(key=token)
    if user_id is None:
        raise Http404("Unknown feed.")
    works = followed_works_page(user_id=user_id, page=1, per_page=50)
    feed = TextAtomFeed(
        title="BZPEER: new works from researchers you follow",
        link=request.build_absolute_uri(reverse("profiles:following")),
        description="Newest works of the author records you follow.",
        feed_url=request.build_absolute_uri(),
    )
    for work in works:
        authors = ", ".join(a.printed_name for a in work.listed_authorships)
        if work.unlisted_authors_count:
            authors += f" and {work.unlisted_authors_count} more"
        feed.add_item(
            title=work.title,
            link=request.build_absolute_uri(work.get_absolute_url()),
            description=work.abstract[:1000],
            author_name=authors[:500],
            pubdate=work.first_submitted,
            updateddate=work.latest_version_date or work.first_submitted,
            unique_id=f"arXiv:{work.arxiv_id}",
        )
    return HttpResponse(
        feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8"
    )
