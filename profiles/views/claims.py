"""Claims on author records: the claim form, the /claims/ page of the user's claims, and
withdrawing a claim (or giving up an approved one)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from profiles import claims as profile_claims
from profiles import selectors
from profiles.ratelimit import RateLimited
from profiles.views.common import error_text, live_author, refuse
from publications.models import Author
from publications.selectors import author_works_page


@login_required
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    author = live_author(slug)
    if request.method == "POST":
        evidence = {
            "orcid": request.POST.get("orcid", ""),
            "email": request.POST.get("email", ""),
            "message": request.POST.get("message", ""),
            "works": request.POST.getlist("works") or request.POST.get("works_text", ""),
        }
        status, retry_after = 400, None
        try:
            made = profile_claims.claim_create(user=request.user, author=author, evidence=evidence)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
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
    return {
        "emails": list(EmailAddress.objects.filter(user=request.user, verified=True)),
        "orcids": list(
            SocialAccount.objects.filter(user=request.user, provider="orcid").values_list(
                "uid", flat=True
            )
        ),
        "works": author_works_page(author_id=author.pk, page=1, per_page=50),
        # Said up front: a second claim on the record is refused while this one waits.
        "pending": selectors.pending_claim(user=request.user, author=author),
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
        profile_claims.claim_withdraw(user=request.user, claim=mine)
    except ValidationError as exc:
        return refuse(request, exc, reverse("profiles:claims"))
    if approved:
        messages.success(request, f"You gave up the record {mine.author}; it is unclaimed now.")
    else:
        messages.success(request, f"Your claim on {mine.author} was withdrawn.")
    return redirect("profiles:claims")
