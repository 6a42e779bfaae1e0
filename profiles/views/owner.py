"""What the owner of an author record changes: the record's text, its works (not mine, add a
work), its visibility, and a request to merge another record into it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from profiles import owner_edits, selectors
from profiles.views.common import live_author, refuse
from publications import identity_review
from publications import services as publication_services
from publications.models import Author, Work
from publications.selectors import author_works_page


def _owned(request: HttpRequest, slug: str, *, with_open_proposals: bool = False) -> Author:
    author = live_author(slug, with_open_proposals=with_open_proposals)
    if author.claimed_by_id != request.user.pk:
        raise PermissionDenied("Only the owner of this author record can change it.")
    return author


@login_required
def author_edit(request: HttpRequest, slug: str) -> HttpResponse:
    author = _owned(request, slug, with_open_proposals=True)
    if request.method == "POST":
        try:
            owner_edits.author_update(
                user=request.user,
                author=author,
                bio=request.POST.get("bio", ""),
                affiliation=request.POST.get("affiliation", ""),
                open_to_collaborate=request.POST.get("open_to_collaborate") == "on",
                homepage=request.POST.get("homepage"),
            )
        except ValidationError as exc:
            return refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
        messages.success(request, "Your record was updated.")
        return redirect(author)
    return render(
        request,
        "profiles/author_edit.html",
        {
            "author": author,
            "works": author_works_page(author_id=author.pk, page=request.GET.get("page", 1)),
            "others": [a for a in selectors.owned_records(user=request.user) if a.pk != author.pk],
            # "Is this also you?" and "Are all these works yours?": read only when the
            # record's query found an open proposal.
            "proposals": identity_review.open_proposals_for(author=author)
            if author.has_open_proposals
            else [],
            "split_proposals": identity_review.open_split_proposals_for(author=author)
            if author.has_open_proposals
            else [],
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
        return refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
    messages.success(request, f"arXiv:{work.arxiv_id} was removed from your record.")
    return redirect("profiles:author-edit", slug=slug)


@login_required
@require_POST
def work_add(request: HttpRequest, slug: str) -> HttpResponse:
    author = _owned(request, slug)
    position = request.POST.get("position", "").strip()
    arxiv_id = request.POST.get("arxiv_id", "")
    if position and not (position.isascii() and position.isdigit() and len(position) < 7):
        return refuse(
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
        return refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
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
    owner_edits.author_set_hidden(user=request.user, author=author, hidden=hidden)
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
        owner_edits.merge_request(
            user=request.user, author=author, other=other, message=request.POST.get("message", "")
        )
    except ValidationError as exc:
        return refuse(request, exc, reverse("profiles:author-edit", args=[slug]))
    messages.success(request, f"The curators were asked to merge {other.slug} into this record.")
    return redirect("profiles:author-edit", slug=slug)
