"""One selector per public page of the catalogue (work, its author list, topic, home, search):
each loads everything its template shows and states its query budget, which does not depend on
how many works or authors a record has. The profile page's selector is profiles.pages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from publications import selectors
from publications.arxiv import taxonomy
from publications.models import (
    WORK_PAGE_FIRST_AUTHORS,
    Author,
    Authorship,
    Topic,
    Work,
    WorkVersion,
)
from publications.names import name_key

if TYPE_CHECKING:
    from publications.models import TopicWithWorksHere

WORKS_PER_PAGE = 20
SEARCH_AUTHORS_PER_PAGE = 10
SEARCH_WORKS_PER_PAGE = 20
# A search of more words than this (initials aside) that many works contain is not read as a name.
NAME_WORDS_AT_MOST = 2


# A work page lists its first authors, then the visitor's own record with these many neighbours
# on each side (when they came from it), and links the full list.
WORK_FIRST_AUTHORS = WORK_PAGE_FIRST_AUTHORS
WORK_CONTEXT_NEIGHBOURS = 2


@dataclass
class AuthorList:
    """Author lines of a work with their affiliations numbered in order of first appearance over
    the whole list, so an affiliation keeps its number in the excerpt and in the full list.
    `affiliations` holds (number, text) for the lines shown only; `gap_after` is the position
    after which lines are left out (None when every line from 1 on is shown)."""

    lines: list[Authorship]
    affiliations: list[tuple[int, str]]
    total: int
    context_position: int | None = None

    @property
    def complete(self) -> bool:
        return len(self.lines) >= self.total

    @property
    def gaps(self) -> list[int]:
        """Positions after which some lines are left out (the template prints "…" there)."""
        positions = [line.position for line in self.lines]
        return [a for a, b in zip(positions, positions[1:], strict=False) if b > a + 1]

    @property
    def last_position(self) -> int:
        return self.lines[-1].position if self.lines else 0


def _numbered(
    lines: list[Authorship],
    affiliations: list[str],
    total: int,
    context_position: int | None = None,
) -> AuthorList:
    numbers = {text: n for n, text in enumerate(affiliations, 1)}
    used: dict[int, str] = {}
    for line in lines:
        line.affiliation_number = numbers.get(line.printed_affiliation)
        if line.affiliation_number:
            used[line.affiliation_number] = line.printed_affiliation
    return AuthorList(
        lines=lines,
        affiliations=sorted(used.items()),
        total=total,
        context_position=context_position,
    )


class WorkPage:
    """The publication page. The work itself is read at once (1 query: its title and the 404);
    everything else on first use, so a page whose content comes from the fragment cache runs no
    other query. Without a context: versions, topics, author lines, their affiliations (1 each)
    and related works (3), 8 queries in all whatever the number of authors."""

    def __init__(self, work: Work, *, context_position: int | None = None):
        self.work = work
        self.context_position = context_position

    @cached_property
    def versions(self) -> list[WorkVersion]:
        return selectors.work_versions(work_id=self.work.pk)

    @cached_property
    def topics(self) -> list[Topic]:
        return selectors.work_topics(work_id=self.work.pk)

    @cached_property
    def authors(self) -> AuthorList:
        around = None
        if self.context_position is not None:
            around = (
                self.context_position - WORK_CONTEXT_NEIGHBOURS,
                self.context_position + WORK_CONTEXT_NEIGHBOURS,
            )
        lines = selectors.work_author_lines(
            work_id=self.work.pk, first=WORK_FIRST_AUTHORS, around=around
        )
        up_to = lines[-1].position if lines else 0
        affiliations = selectors.work_affiliations(work_id=self.work.pk, up_to=up_to)
        return _numbered(
            lines, affiliations, max(self.work.authors_count, len(lines)), self.context_position
        )

    @cached_property
    def related(self) -> list[Work]:
        first = [
            line.author_id for line in self.authors.lines if line.position <= WORK_FIRST_AUTHORS
        ]
        return selectors.work_related(work=self.work, author_ids=first)


def work_context_position(*, work: Work, author_slug: str | None) -> int | None:
    """Where the visitor's own record (the profile they came from) stands on a long author list,
    when the first authors shown leave it out; None otherwise. 1 query when there is such a
    record and the list is long, none otherwise."""
    if not author_slug or work.authors_count <= WORK_FIRST_AUTHORS:
        return None
    position = selectors.work_author_position(work_id=work.pk, author_slug=author_slug)
    return position if position is not None and position > WORK_FIRST_AUTHORS else None


def work_page(*, arxiv_id: str, author_slug: str | None = None) -> WorkPage:
    """The publication page of `arxiv_id`, with the author list around `author_slug` when given.
    1 query now (2 with a context record on a long list); see WorkPage for the rest."""
    work = selectors.work_get(arxiv_id=arxiv_id)
    return WorkPage(
        work, context_position=work_context_position(work=work, author_slug=author_slug)
    )


class WorkAuthorsPage:
    """Every author of a work in printed order with every affiliation numbered: the page the
    work page's "all N authors" link opens. The work now (1 query), the lines on first use (1)."""

    def __init__(self, work: Work):
        self.work = work

    @cached_property
    def authors(self) -> AuthorList:
        lines = selectors.work_author_lines(work_id=self.work.pk)
        affiliations: list[str] = []
        seen: set[str] = set()
        for line in lines:
            text = line.printed_affiliation
            if text and text not in seen:
                seen.add(text)
                affiliations.append(text)
        return _numbered(lines, affiliations, len(lines))


def work_authors_page(*, arxiv_id: str) -> WorkAuthorsPage:
    return WorkAuthorsPage(selectors.work_get(arxiv_id=arxiv_id))


class TopicPage:
    """The topic (read at once: 1 query), its recent works (2) and its most prolific records (2,
    cached) on first use: 5 queries, 1 when the page's content comes from the fragment cache."""

    def __init__(self, topic: Topic, *, page: int | str = 1):
        self.topic = topic
        self.works = selectors.topic_works_page(topic=topic, page=page)  # rows read on first use

    @cached_property
    def authors(self) -> list[Author]:
        return selectors.topic_prolific_authors(topic=self.topic)


def topic_page(*, code: str, page: int | str = 1) -> TopicPage:
    return TopicPage(selectors.topic_get(code=code), page=page)


@dataclass
class TopicGroup:
    """The topics of one arXiv archive (astro-ph, cs, math...), folded on the home page."""

    archive: str
    name: str
    works: int
    topics: list[Topic]


@dataclass
class HomePage:
    recent: selectors.Window
    topics: list[TopicWithWorksHere]

    @property
    def topic_groups(self) -> list[TopicGroup]:
        """Topics grouped by archive, the archive with most works first (no query)."""
        groups: dict[str, TopicGroup] = {}
        for topic in self.topics:
            archive = topic.archive or topic.code.split(".")[0]
            if archive not in groups:
                name = taxonomy.ARCHIVES.get(archive) or taxonomy.RETIRED_ARCHIVES.get(archive)
                groups[archive] = TopicGroup(archive, name[0] if name else archive, 0, [])
            groups[archive].works += topic.works_here
            groups[archive].topics.append(topic)
        return sorted(groups.values(), key=lambda g: (-g.works, g.archive))


def home_page() -> HomePage:
    """Recent works (2 queries, on first use) and topics with their counts (1, cached)."""
    recent = selectors.window(selectors.recent_works_queryset, page=1, per_page=10)
    return HomePage(recent=recent, topics=selectors.topics_with_counts())


class SearchPage:
    """Author records by name (trigram) and works by title/abstract (full text), each ranked and
    paginated, read on first use. 3 queries with a query (records, the works page with its count,
    their first authors), none without or when the content comes from the fragment cache."""

    def __init__(self, query: str, *, page: int | str = 1, author_page: int | str = 1):
        self.query = query
        self.author_page = selectors.page_number(author_page)
        self.works = (
            selectors.works_search(query=query, page=page, per_page=SEARCH_WORKS_PER_PAGE)
            if query
            else None
        )

    @property
    def reads_as_words(self) -> bool:
        """Three words or more (initials aside) that a full page of works contains: a topic, not
        a name. The name match is skipped: against every record's name it was half the cost of
        the page, for records whose names only share letters with the words."""
        words = [word for word in name_key(self.query).split() if len(word) > 1]
        return (
            len(words) >= NAME_WORDS_AT_MOST + 1
            and self.works is not None
            and (self.works.total or 0) >= SEARCH_WORKS_PER_PAGE
        )

    @cached_property
    def _authors(self) -> tuple[list[Author], bool]:
        if not self.query or self.reads_as_words:
            return [], False
        return selectors.authors_search(
            query=self.query,
            offset=(self.author_page - 1) * SEARCH_AUTHORS_PER_PAGE,
            limit=SEARCH_AUTHORS_PER_PAGE,
        )

    @property
    def authors(self) -> list[Author]:
        return self._authors[0]

    @property
    def more_authors(self) -> bool:
        return self._authors[1]


def search_page(*, query: str, page: int | str = 1, author_page: int | str = 1) -> SearchPage:
    return SearchPage(query, page=page, author_page=author_page)
