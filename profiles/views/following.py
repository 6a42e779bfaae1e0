"""Following author records: follow and unfollow from the profile, the /following/ page of
followed records' new works, and its private feed address. Every write is a POST behind CSRF;
visitors are sent to log in and come back to the profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from profiles import feed_keys, follows, split_notices
from profiles.feeds import FollowingWorksFeed
from profiles.views.common import live_author, login_url, refuse, wants_json
from publications.models import Author
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
            follows.follow_author(user=request.user, author=author)
        except ValidationError as exc:
            return refuse(request, exc, profile)
    else:
        follows.unfollow_author(user=request.user, author=author)
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
    key, notices = split_notices.following_key_and_notices(user=request.user)
    feed_url = request.build_absolute_uri(reverse("profiles:following-feed", args=[key]))
    return render(
        request,
        "profiles/following.html",
        {"works": works, "feed_url": feed_url, "split_notices": notices},
    )


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


# Per-user Atom feed of the followed records' works, readable without a session.
following_feed = require_GET(FollowingWorksFeed())
