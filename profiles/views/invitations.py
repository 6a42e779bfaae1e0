"""Invitations between researchers: sending one from a profile, the /inbox/ page, and answering,
withdrawing or blocking."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bzpeer.errors import too_many_requests
from profiles import invitations, selectors
from profiles.ratelimit import hit
from profiles.views.common import live_author, login_url, refuse


@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    author = live_author(slug)
    if not request.user.is_authenticated:
        return redirect(login_url(author.get_absolute_url()))
    if not hit("invite", str(request.user.pk), settings.BZPEER_RATE_INVITE):
        return too_many_requests(request, "You sent too many invitations; try again later.")
    try:
        invitations.invitation_send(
            sender=request.user,
            author=author,
            message=request.POST.get("message", ""),
            contact=request.POST.get("contact", ""),
        )
    except ValidationError as exc:
        return refuse(request, exc, author.get_absolute_url())
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
            invitations.invitation_answer(
                user=request.user,
                invitation=invitation,
                accept=action == "accept",
                contact=request.POST.get("contact", ""),
            )
        elif action == "withdraw":
            invitations.invitation_withdraw(user=request.user, invitation=invitation)
        elif action == "block":
            invitations.sender_block(user=request.user, invitation=invitation)
        else:
            raise Http404("Unknown action.")
    except ValidationError as exc:
        return refuse(request, exc, reverse("profiles:inbox"))
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
    if invitations.sender_unblock(user=request.user, blocked_id=user_id):
        messages.success(request, "Unblocked: this person can invite you again.")
    return redirect("profiles:inbox")
