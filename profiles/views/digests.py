"""Pages of the e-mail digest: the signed-in user's settings, and the unsubscribe link of every
digest (no login: the signed token in the link names the user)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from profiles import digests
from profiles.models import DigestFrequency


@login_required
def digest_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            digests.digest_subscription_set(
                user=request.user, frequency=request.POST.get("frequency", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your e-mail digest setting was saved.")
        return redirect("profiles:digest-settings")
    return render(
        request,
        "profiles/digest_settings.html",
        {
            "subscription": digests.digest_subscription_get(user=request.user),
            "choices": DigestFrequency.choices,
        },
    )


@csrf_exempt  # mail clients POST here for one-click unsubscribe (RFC 8058); the token is the key
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (link checkers that open links must not unsubscribe anyone); POST,
    from that button or from a mail client's one-click unsubscribe, turns the digest off."""
    if request.method == "POST":
        subscription = digests.digest_unsubscribe(token=token)
        if subscription is None:
            return render(
                request, "profiles/digest_unsubscribe.html", {"bad_link": True}, status=400
            )
        return render(request, "profiles/digest_unsubscribe.html", {"done": True})
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(request, "profiles/digest_unsubscribe.html", {"token": token})
