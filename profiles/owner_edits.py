"""What the owner of an author record changes: bio, affiliation, homepage and "open to
collaborate", hiding the record's page, and asking the curators to merge two records they own."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from profiles.common import MESSAGE_LIMIT, records_changed, require_live
from profiles.selectors import merge_request_pending
from publications import author_records
from publications.audit import record_event
from publications.models import Author, CurationEvent
from publications.names import name_key
from publications.permissions import require_owner

BIO_LIMIT = 5000


def clean_homepage(value: str) -> str:
    """An owner's homepage: empty, or an http(s) URL of at most 500 characters."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 500:
        raise ValidationError("The homepage address is limited to 500 characters.")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            "The homepage must be a web address starting with http:// or https://."
        ) from None
    return value


@transaction.atomic
def author_update(
    *,
    user,
    author: Author,
    bio: str,
    affiliation: str,
    open_to_collaborate: bool,
    homepage: str | None = None,
) -> Author:
    """The owner edits bio, affiliation, homepage and "open to collaborate" (homepage None keeps
    it). Safe to run twice: the second run changes nothing and records no event."""
    require_owner(user, author)
    bio = (bio or "").strip()
    if len(bio) > BIO_LIMIT:
        raise ValidationError(f"The bio is limited to {BIO_LIMIT} characters.")
    homepage = author.homepage if homepage is None else clean_homepage(homepage)
    affiliation = " ".join((affiliation or "").split())[:500]
    author = (
        Author.objects.select_for_update(of=("self",))
        .select_related("institution")
        .get(pk=author.pk)
    )
    institution = None
    if affiliation:
        key = name_key(affiliation)[:500]
        if not key:
            raise ValidationError("The affiliation needs letters or digits.")
        institution = author_records.institution_for_name(affiliation, key=key)
    before = {
        "bio": author.bio,
        "institution": author.institution.name if author.institution else "",
        "open_to_collaborate": author.open_to_collaborate,
        "homepage": author.homepage,
    }
    after = {
        "bio": bio,
        "institution": institution.name if institution else "",
        "open_to_collaborate": bool(open_to_collaborate),
        "homepage": homepage,
    }
    if before == after:
        return author
    author_records.set_owner_fields(
        author,
        bio=bio,
        institution=institution,
        open_to_collaborate=bool(open_to_collaborate),
        homepage=homepage,
    )
    changed = {k for k in after if before[k] != after[k]}
    record_event(
        actor=user,
        action="author_edited",
        target_type="author",
        target_id=author.pk,
        author=author,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    records_changed([author.pk])
    return author


@transaction.atomic
def merge_request(*, user, author: Author, other: Author, message: str = "") -> CurationEvent:
    """The owner of two records asks curators to merge ``other`` into ``author``. Recorded as a
    curation event curators act on. Running it twice is refused while the first request for the
    same two records (either way round) is pending: not followed by a merge or an undo."""
    require_owner(user, author)
    require_owner(user, other)
    if author.pk == other.pk:
        raise ValidationError("Choose two different records to merge.")
    # Lock both records (in id order) so two requests sent at once cannot both pass the check.
    locked = {
        a.pk: a
        for a in Author.objects.select_for_update()
        .filter(pk__in=[author.pk, other.pk])
        .order_by("pk")
    }
    author, other = locked[author.pk], locked[other.pk]
    require_owner(user, author)
    require_owner(user, other)
    require_live(author)
    require_live(other)
    if merge_request_pending(first=author.pk, second=other.pk):
        raise ValidationError(
            "You already asked the curators to merge these two records; they will review it."
        )
    return record_event(
        actor=user,
        action="merge_requested",
        target_type="author",
        target_id=other.pk,
        author=author,
        after={"merge": other.pk, "into": author.pk},
        note=message[:MESSAGE_LIMIT],
    )


@transaction.atomic
def author_set_hidden(*, user, author: Author, hidden: bool) -> Author:
    """The owner hides their record's page (it answers 410 and leaves search, lists, the graph,
    feeds and the API; its works keep their printed names, unlinked) or shows it again. Safe to
    run twice: the second run changes nothing and records no event."""
    require_owner(user, author)
    author = Author.objects.select_for_update().get(pk=author.pk)
    require_owner(user, author)
    if author.hidden == hidden:
        return author
    author_records.set_hidden(author, hidden=hidden, now=timezone.now())
    record_event(
        actor=user,
        action="author_hidden" if hidden else "author_shown",
        target_type="author",
        target_id=author.pk,
        author=author,
        before={"hidden": not hidden},
        after={"hidden": hidden},
    )
    # The co-authors' pages link to this record from their works: their cached pages go too.
    co_authors = (
        Author.objects.filter(authorships__work__authorships__author=author)
        .values_list("pk", flat=True)
        .distinct()
    )
    records_changed([author.pk, *co_authors])
    return author
