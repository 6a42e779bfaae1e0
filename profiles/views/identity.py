"""The people-facing side of the author identity engine: the owner's answer to "Is this also
you?" (take the proposed records, or "not me") and to "Are all these works yours?" (move another
person's works off the record, or keep the rest), the name page of a record that turned out to
hold several people, and the follower's choice after such a split
(publications/identity_review.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from profiles import split_notices
from profiles.views.common import live_author, refuse
from publications import identity_review


def _decision_id(request: HttpRequest) -> int:
    raw = request.POST.get("decision", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise ValidationError("There is no such proposal for this record.")
    return int(raw)


@login_required
@require_POST
def proposal_answer(request: HttpRequest, slug: str) -> HttpResponse:
    """POST decision=<id>, answer=take|not-me, by the record's owner (verified account)."""
    author = live_author(slug)
    back = reverse("profiles:author-edit", args=[slug])
    answer = request.POST.get("answer")
    try:
        decision_id = _decision_id(request)
        if answer == "take":
            taken = identity_review.owner_take_proposal(
                user=request.user, author=author, decision_id=decision_id
            )
            names = ", ".join(a.slug for a in taken)
            messages.success(request, f"{names} joined your record; their addresses now lead here.")
        elif answer == "not-me":
            identity_review.owner_dismiss_proposal(
                user=request.user, author=author, decision_id=decision_id
            )
            messages.success(request, "Noted: these records will not be proposed to you again.")
        else:
            raise ValidationError("Choose “This is me” or “Not me”.")
    except ValidationError as exc:
        return refuse(request, exc, back)
    return redirect(back)


@login_required
@require_POST
def split_proposal_answer(request: HttpRequest, slug: str) -> HttpResponse:
    """POST decision=<id>, answer=move (with piece=<n>) | keep, by the record's owner (verified
    account): the engine found several people on the owner's record and moved nothing."""
    author = live_author(slug)
    back = reverse("profiles:author-edit", args=[slug])
    answer = request.POST.get("answer")
    try:
        decision_id = _decision_id(request)
        if answer == "move":
            raw = request.POST.get("piece", "")
            if not (raw.isascii() and raw.isdigit() and len(raw) < 6):
                raise ValidationError("There is no such group of works in this proposal.")
            new = identity_review.owner_move_piece(
                user=request.user, author=author, decision_id=decision_id, piece=int(raw)
            )
            messages.success(request, f"These works moved to a record of their own: {new.slug}.")
        elif answer == "keep":
            identity_review.owner_keep_works(
                user=request.user, author=author, decision_id=decision_id
            )
            messages.success(
                request, "Noted: the engine will not propose to split your record again."
            )
        else:
            raise ValidationError("Choose “Not mine” for a group of works, or keep them all.")
    except ValidationError as exc:
        return refuse(request, exc, back)
    return redirect(back)


@require_GET
def name_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone published under the name of a record that turned out to hold several people."""
    author = live_author(slug)
    if author.hidden:
        raise Http404("No such page.")
    people = identity_review.name_page(author)
    if not people:
        return redirect(author)
    return render(request, "profiles/name_page.html", {"author": author, "people": people})


@login_required
@require_POST
def split_notice_choose(request: HttpRequest, notice_id: int) -> HttpResponse:
    back = reverse("profiles:following")
    follow_ids = [int(v) for v in request.POST.getlist("follow") if v.isascii() and v.isdigit()]
    try:
        split_notices.split_notice_choose(
            user=request.user, notice_id=notice_id, follow_ids=follow_ids
        )
    except ValidationError as exc:
        return refuse(request, exc, back)
    messages.success(request, "Thank you: you follow the researchers you chose.")
    return redirect(back)
