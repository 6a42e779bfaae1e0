"""One selector per public page: each loads everything its template shows, composing the reads of
profiles and publications (publications may depend on profiles, not the other way round). Each
states its query budget, which does not depend on how many works or authors a record has."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.utils import timezone

from profiles.models import Author
from profiles.selectors import (
    ProvenOrcid,
    author_get,
    author_last_synced,
    authors_search,
    owner_orcid,
)
from profiles.text import neutral_bio
from publications import selectors
from publications.models import Topic, Work

WORKS_PER_PAGE = 20
SEARCH_AUTHORS_PER_PAGE = 10
SEARCH_WORKS_PER_PAGE = 20


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

    @property
    def bio_is_generated(self) -> bool:
        return not self.author.bio


def profile_page(*, slug: str, page: int | str = 1) -> ProfilePage:
    """The researcher profile: the record (every count shown is a stored counter), its top topics,
    its latest printed affiliation (when it has no institution), one page of works with their
    first authors and how each was attached, the owner's proven ORCID iD, when arXiv last showed
    us one of its works. 6 queries when nothing is cached (one less when the record has an
    institution, one more when it is claimed), 1 (the record) once the page's fragments are; the
    rest is fetched lazily. A merged record is
    returned as is: the view redirects it."""
    author = author_get(slug=slug)

    @cache
    def top_topics() -> list[Topic]:
        return selectors.author_top_topics(author_id=author.pk)

    def bio() -> str:
        return author.bio or neutral_bio(
            name=author.display_name, works_count=author.works_count,
            topics=[(t.name, t.code) for t in top_topics()], first_year=author.first_year,
            last_year=author.last_year, current_year=timezone.now().year,
        )

    def orcid() -> ProvenOrcid | None:
        return owner_orcid(author=author)

    def last_synced() -> dt.datetime | None:
        return author_last_synced(author=author)

    def printed_affiliation() -> selectors.PrintedAffiliation | None:
        # Shown only when the record has no institution of its own.
        if author.institution_id:
            return None
        return selectors.author_latest_affiliation(author_id=author.pk)


    works = selectors.author_works_page(
        author_id=author.pk, page=page, per_page=WORKS_PER_PAGE, total=author.works_count
    )
    return ProfilePage(author=author, works=works, top_topics=top_topics, bio=bio,
                       printed_affiliation=printed_affiliation, orcid=orcid,
                       last_synced=last_synced)


@dataclass
class WorkPage:
    work: Work
    affiliations: list[str]
    related: list[Work]


def work_page(*, arxiv_id: str) -> WorkPage:
    """The publication page: the work with all its authors, versions and topics (4 queries), its
    affiliations numbered in order of first appearance, and related works (4 queries)."""
    work = selectors.work_get(arxiv_id=arxiv_id)
    affiliations: list[str] = []
    for authorship in work.ordered_authorships:
        text = authorship.printed_affiliation
        if text and text not in affiliations:
            affiliations.append(text)
        authorship.affiliation_number = affiliations.index(text) + 1 if text else None
    return WorkPage(work=work, affiliations=affiliations, related=selectors.work_related(work=work))


@dataclass
class TopicPage:
    topic: Topic
    works: selectors.Window
    authors: list[Author]


def topic_page(*, code: str, page: int | str = 1) -> TopicPage:
    """The topic: recent works (2 queries) and the most prolific records (2, cached), after the
    topic itself (1). 5 queries."""
    topic = selectors.topic_get(code=code)
    return TopicPage(topic=topic, works=selectors.topic_works_page(topic=topic, page=page),
                     authors=selectors.topic_prolific_authors(topic=topic))


@dataclass
class HomePage:
    recent: list[Work]
    topics: list[Topic]


def home_page() -> HomePage:
    """Recent works (2 queries) and topics with their counts (1, cached)."""
    return HomePage(recent=selectors.recent_works(limit=10), topics=selectors.topics_with_counts())


@dataclass
class SearchPage:
    query: str
    authors: list[Author] = field(default_factory=list)
    author_page: int = 1
    more_authors: bool = False
    works: selectors.Window | None = None


def search_page(*, query: str, page: int | str = 1, author_page: int | str = 1) -> SearchPage:
    """Author records by name (trigram) and works by title/abstract (full text), each ranked and
    paginated. 3 queries with a query (records, the works page with its count, their first
    authors), none without."""
    if not query:
        return SearchPage(query=query)
    number = selectors.page_number(author_page)
    authors, more = authors_search(query=query, offset=(number - 1) * SEARCH_AUTHORS_PER_PAGE,
                                   limit=SEARCH_AUTHORS_PER_PAGE)
    works = selectors.works_search(query=query, page=page, per_page=SEARCH_WORKS_PER_PAGE)
    return SearchPage(query=query, authors=authors, author_page=number, more_authors=more,
                      works=works)
