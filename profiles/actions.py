"""Signed-in actions on author records: follow, claim, owner edits, invitations, and the pages
that list them (/following/, /claims/, /inbox/). Thin: parse, call one service or selector, render.

Every write is a POST behind CSRF. Visitors are sent to log in and come back to the profile.
Fetch requests (Accept: application/json) get JSON so the profile updates without a reload.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bzpeer.errors import too_many_requests
from profiles import feed_keys, selectors, services
from profiles.feeds import TextAtomFeed
from profiles.ratelimit import RateLimited, hit
from publications import services as publication_services
from publications.models import Author, Work
from publications.selectors import author_works_page, followed_works_page


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _login_url(next_url: str) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"


def _live_author(slug: str) -> Author:
    author = selectors.author_get(slug=slug)
    if author.merged_into_id:
        raise Http404("This record was merged into another one.")
    return author


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _refuse(request: HttpRequest, exc: ValidationError, back: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": _error_text(exc)}, status=400)
    messages.error(request, _error_text(exc))
    return redirect(back)


# --- Following -------------------------------------------------------------------------------


@require_POST
def follow(request: HttpRequest, slug: str, *, on: bool = True) -> HttpResponse:
    author = _live_author(slug)
    profile = author.get_absolute_url()
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"login_url": _login_url(profile)}, status=401)
        return redirect(_login_url(profile))
    if on:
        try:
            services.follow_author(user=request.user, author=author)
        except ValidationError as exc:
            return _refuse(request, exc, profile)
    else:
        services.unfollow_author(user=request.user, author=author)
    followers = Author.objects.values_list("followers_count", flat=True).get(pk=author.pk)
    if _wants_json(request):
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
        return _refuse(request, exc, reverse("profiles:following"))
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


# --- Claims ----------------------------------------------------------------------------------


@login_required
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    author = _live_author(slug)
    if request.method == "POST":
        evidence = {
            "orcid": request.POST.get("orcid", ""),
            "email": request.POST.get("email", ""),
            "message": request.POST.get("message", ""),
            "works": request.POST.getlist("works") or request.POST.get("works_text", ""),
        }
        status, retry_after = 400, None
        try:
            made = services.claim_create(user=request.user, author=author, evidence=evidence)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        except RateLimited as exc:
            messages.error(request, str(exc))
            status, retry_after = 429, exc.retry_after
        else:
            if made.state == "approved":
                messages.success(
                    request, f"Your strong evidence verified you: {author} is now yours."
                )
            else:
                messages.success(request, "Your claim was sent to the curators.")
            return redirect("profiles:claims")
        # Back to the form with everything the user gave, ticked works included.
        response = render(
            request,
            "profiles/claim_form.html",
            {
                "author": author,
                "form": request.POST,
                "ticked": set(request.POST.getlist("works")),
                **_claim_form_context(request, author),
            },
            status=status,
        )
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response
    return render(
        request,
        "profiles/claim_form.html",
        {"author": author, "form": {}, "ticked": set(), **_claim_form_context(request, author)},
    )


def _claim_form_context(request: HttpRequest, author: Author) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    return {
        "emails": list(EmailAddress.objects.filter(user=request.user, verified=True)),
        "orcids": list(
            SocialAccount.objects.filter(user=request.user, provider="orcid").values_list(
                "uid", flat=True
            )
        ),
        "works": author_works_page(author_id=author.pk, page=1, per_page=50),
        # Said up front: a second claim on the record is refused while this one waits.
        "pending": services.pending_claim(user=request.user, author=author),
        "orcid_enabled": settings.BZPEER_ORCID_ENABLED,
    }


@login_required
@require_GET
def claims(request: HttpRequest) -> HttpResponse:
    return render(
        request, "profiles/claims.html", {"claims": selectors.claims_of_user(user=request.user)}
    )


@login_required
def claim_withdraw(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Withdraw a pending claim at once; giving up an approved one (the record becomes unclaimed)
    asks first: GET, or a POST without ``confirm``, shows the confirmation page."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    mine = selectors.claim_of_user(user=request.user, claim_id=claim_id)
    approved = mine.state == "approved"
    if request.method == "GET" or (approved and request.POST.get("confirm") != "1"):
        if mine.state not in ("pending", "approved"):
            messages.error(request, f"This claim is already {mine.get_state_display().lower()}.")
            return redirect("profiles:claims")
        return render(request, "profiles/claim_withdraw.html", {"claim": mine})
    try:
        services.claim_withdraw(user=request.user, claim=mine)
    except ValidationError as exc:
        return _refuse(request, exc, reverse("profiles:claims"))
    if approved:
        messages.success(request, f"You gave up the record {mine.author}; it is unclaimed now.")
    else:
        messages.success(request, f"Your claim on {mine.author} was withdrawn.")
    return redirect("profiles:claims")


# --- Owner edits -----------------------------------------------------------------------------


def _owned(request: HttpRequest, slug: str) -> Author:
    author = _live_author(slug)
    if author.claimed_by_id != request.user.pk:
        raise PermissionDenied("Only the owner of this author record can change it.")
    return author


@login_required
def author_edit(request: HttpRequest, slug: str) -> HttpResponse:
    author = _owned(request, slug)
    if request.method == "POST":
        try:
            services.author_update(
                user=request.user,
                author=author,
                bio=request.POST.get("bio", ""),
                affiliation=request.POST.get("affiliation", ""),
                open_to_collaborate=request.POST.get("open_to_collaborate") == "on",
                homepage=request.POST.get("homepage"),
            )
        except ValidationError as exc:
            return _refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
        messages.success(request, "Your record was updated.")
        return redirect(author)
    return render(
        request,
        "profiles/author_edit.html",
        {
            "author": author,
            "works": author_works_page(author_id=author.pk, page=request.GET.get("page", 1)),
            "others": [a for a in selectors.owned_records(user=request.user) if a.pk != author.pk],
        },
    )


@login_required
@require_POST
def work_not_mine(request: HttpRequest, slug: str) -> HttpResponse:
    author = _owned(request, slug)
    work = get_object_or_404(Work, arxiv_id=request.POST.get("arxiv_id", "").strip())
    try:
        publication_services.authorship_disown(user=request.user, work=work, author=author)
    except ValidationError as exc:
        return _refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
    messages.success(request, f"arXiv:{work.arxiv_id} was removed from your record.")
    return redirect("profiles:author-edit", slug=slug)


@login_required
@require_POST
def work_add(request: HttpRequest, slug: str) -> HttpResponse:
    author = _owned(request, slug)
    position = request.POST.get("position", "").strip()
    arxiv_id = request.POST.get("arxiv_id", "")
    if position and not (position.isascii() and position.isdigit() and len(position) < 7):
        return _refuse(
            request,
            ValidationError("Choose one of the printed names."),
            reverse("profiles:author-edit", args=[slug]),
        )
    try:
        added = publication_services.authorship_add(
            user=request.user,
            author=author,
            arxiv_id=arxiv_id,
            position=int(position) if position else None,
        )
    except ValidationError as exc:
        return _refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
    except publication_services.AmbiguousAuthorship as exc:
        # Several printed names fit: the owner picks theirs (a plain form, no script needed).
        return render(
            request,
            "profiles/work_add_choose.html",
            {"author": author, "work": exc.work, "choices": exc.choices, "message": str(exc)},
        )
    messages.success(request, f"arXiv:{added.work.arxiv_id} was added to your record.")
    return redirect("profiles:author-edit", slug=slug)


@login_required
@require_POST
def author_visibility(request: HttpRequest, slug: str) -> HttpResponse:
    """The owner hides their record's page (hidden=1) or shows it again (hidden=0)."""
    author = _owned(request, slug)
    hidden = request.POST.get("hidden") == "1"
    services.author_set_hidden(user=request.user, author=author, hidden=hidden)
    if hidden:
        messages.success(
            request,
            "Your page is hidden: visitors get a short note (410) and your record left "
            "search, the graph, feeds and the API. Show it again here whenever you like.",
        )
        return redirect("profiles:author-edit", slug=slug)
    messages.success(request, "Your page is visible again.")
    return redirect(author)


@login_required
@require_POST
def merge_request(request: HttpRequest, slug: str) -> HttpResponse:
    author = _owned(request, slug)
    other = get_object_or_404(Author, slug=request.POST.get("other", ""))
    try:
        services.merge_request(
            user=request.user, author=author, other=other, message=request.POST.get("message", "")
        )
    except ValidationError as exc:
        return _refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
    messages.success(request, f"The curators were asked to merge {other.slug} into this record.")
    return redirect("profiles:author-edit", slug=slug)


# --- Invitations -----------------------------------------------------------------------------


@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    author = _live_author(slug)
    if not request.user.is_authenticated:
        return redirect(_login_url(author.get_absolute_url()))
    if not hit("invite", str(request.user.pk), settings.BZPEER_RATE_INVITE):
        return too_many_requests(request, "You sent too many invitations; try again later.")
    try:
        services.invitation_send(
            sender=request.user,
            author=author,
            message=request.POST.get("message", ""),
            contact=request.POST.get("contact", ""),
        )
    except ValidationError as exc:
        return _refuse(request, exc, author.get_absolute_url())
    messages.success(request, f"Your invitation was sent to {author}.")
    return redirect("profiles:inbox")


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/inbox.html", selectors.inbox_of_user(user=request.user))


@login_required
@require_POST
def invitation_action(request: HttpRequest, invitation_id: int, action: str) -> HttpResponse:
    invitation = selectors.invitation_visible_to(user=request.user, invitation_id=invitation_id)
    try:
        if action in ("accept", "decline"):
            services.invitation_answer(
                user=request.user,
                invitation=invitation,
                accept=action == "accept",
                contact=request.POST.get("contact", ""),
            )
        elif action == "withdraw":
            services.invitation_withdraw(user=request.user, invitation=invitation)
        elif action == "block":
            services.sender_block(user=request.user, invitation=invitation)
        else:
            raise Http404("Unknown action.")
    except ValidationError as exc:
        return _refuse(request, exc, reverse("profiles:inbox"))
    messages.success(request, _DONE[action])
    return redirect("profiles:inbox")


_DONE = {
    "accept": "Invitation accepted: you can now see how to reach each other.",
    "decline": "Invitation declined.",
    "withdraw": "Invitation withdrawn.",
    "block": "Sender blocked: they cannot invite you again until you unblock them.",
}


@login_required
@require_POST
def sender_unblock(request: HttpRequest, user_id: int) -> HttpResponse:
    if services.sender_unblock(user=request.user, blocked_id=user_id):
        messages.success(request, "Unblocked: this person can invite you again.")
    return redirect("profiles:inbox")
