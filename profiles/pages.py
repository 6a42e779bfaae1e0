"""The profile page's selector: everything its template shows, composing the catalogue's reads of
the record and its works with the owner's proven ORCID iD. Its query budget does not depend on how
many works a record has."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from profiles.selectors import ProvenOrcid, owner_orcid
from publications import selectors
from publications.identity_review import split_family
from publications.models import Author
from publications.pages import WORKS_PER_PAGE
from publications.text import neutral_bio

if TYPE_CHECKING:
    from publications.models import TopicWithWorksHere


@dataclass
class ProfilePage:
    author: Author
    works: selectors.Window
    # Called by the template only when its cached fragment is missing (see author_detail.html).
    top_topics: Any
    bio: Any
    printed_affiliation: Any
    orcid: Any
    last_synced: Any
    # The records split from or into this one (its name page), [] when it was never split: read
    # like the above, only when the cached fragment is missing.
    name_people: Any

    @property
    def bio_is_generated(self) -> bool:
        return not self.author.bio


def profile_page(*, slug: str, page: int | str = 1) -> ProfilePage:
    """The researcher profile: the record (every count shown is a stored counter), its top topics,
    its latest printed affiliation (when it has no institution), one page of works with their
    first authors and how each was attached, the owner's proven ORCID iD, when arXiv last showed
    us one of its works, and the records split from or into it (read with the record: more
    queries only for a record that was split). 6 queries when nothing is cached (one less when
    the record has an institution, one more when it is claimed), 1 (the record) once the page's
    fragments are; the rest is fetched lazily. A merged record is
    returned as is: the view redirects it."""
    author = selectors.author_get(slug=slug, with_split=True)

    @cache
    def top_topics() -> list[TopicWithWorksHere]:
        return selectors.author_top_topics(author_id=author.pk)

    def bio() -> str:
        return author.bio or neutral_bio(
            name=author.display_name,
            works_count=author.works_count,
            topics=[(t.name, t.code) for t in top_topics()],
            first_year=author.first_year,
            last_year=author.last_year,
            current_year=timezone.now().year,
        )

    def orcid() -> ProvenOrcid | None:
        return owner_orcid(author=author)

    def last_synced() -> dt.datetime | None:
        return selectors.author_last_synced(author=author)

    def printed_affiliation() -> selectors.PrintedAffiliation | None:
        # Shown only when the record has no institution of its own.
        if author.institution_id:
            return None
        return selectors.author_latest_affiliation(author_id=author.pk)

    def name_people() -> list[Author]:
        # A record that turned out to hold several people links its name page.
        return split_family(author) if author.was_split else []

    works = selectors.author_works_page(
        author_id=author.pk, page=page, per_page=WORKS_PER_PAGE, total=author.works_count
    )
    return ProfilePage(
        author=author,
        works=works,
        top_topics=top_topics,
        bio=bio,
        printed_affiliation=printed_affiliation,
        orcid=orcid,
        last_synced=last_synced,
        name_people=name_people,
    )
