"""Writes of an author record's own columns that other apps ask for: ownership, the owner's
edits, hiding. Small functions that take values already validated and authorised by the caller
(profiles' claim and owner services check who and what); they store, nothing more. The audit
event is the caller's to record (``publications.audit.record_event``): it knows the action.

Columns graph computes are not written here (see graph.models.AuthorStats).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction

from publications.models import Author, Institution, VerificationLevel

# Version of the set of hidden records: cached lists that link to records (co-authors, topics'
# prolific authors) carry it in their keys, so hiding or showing a record drops them.
VISIBILITY_KEY = "author-visibility-version"


def visibility_version() -> int:
    """The current version of the set of hidden records (1 cache read, no query)."""
    return cache.get(VISIBILITY_KEY, 0)


def set_owner(author: Author, *, user_id: int, level: int) -> Author:
    """The record now belongs to ``user_id`` at verification ``level`` (an approved claim)."""
    author.claimed_by_id = user_id
    author.verification_level = level
    author.save(update_fields=["claimed_by", "verification_level", "updated_at"])
    return author


def release_owner(author: Author) -> Author:
    """The record has no owner any more: back to an unclaimed arXiv record (L1)."""
    author.claimed_by = None
    author.verification_level = VerificationLevel.L1
    author.save(update_fields=["claimed_by", "verification_level", "updated_at"])
    return author


def institution_for_name(name: str, *, key: str) -> Institution:
    """The institution with this name key, created with ``name`` when there is none."""
    institution, _ = Institution.objects.get_or_create(name_key=key, defaults={"name": name})
    return institution


def set_owner_fields(
    author: Author,
    *,
    bio: str,
    institution: Institution | None,
    open_to_collaborate: bool,
    homepage: str,
) -> Author:
    """Store the owner's edits of their record's page."""
    author.bio = bio
    author.institution = institution
    author.open_to_collaborate = open_to_collaborate
    author.homepage = homepage
    author.save(
        update_fields=["bio", "institution", "open_to_collaborate", "homepage", "updated_at"]
    )
    return author


def set_hidden(author: Author, *, hidden: bool, now: dt.datetime) -> Author:
    """Hide the record's page (``hidden_at`` = ``now``) or show it again; once committed, the
    visibility version moves on."""
    author.hidden = hidden
    author.hidden_at = now if hidden else None
    author.save(update_fields=["hidden", "hidden_at", "updated_at"])

    def bump() -> None:
        cache.add(VISIBILITY_KEY, 0, None)
        cache.incr(VISIBILITY_KEY)

    transaction.on_commit(bump)
    return author
