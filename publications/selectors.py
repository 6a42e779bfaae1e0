"""Reads behind the publication, topic, home and search pages. Each selector states its query
budget; none of them depends on how many works or authors a record has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models import Window as Over
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404

from publications.arxiv.text import fold_accents
from publications.author_records import visibility_version
from publications.models import (
    Author,
    Authorship,
    Institution,
    Topic,
    Work,
    WorkTopic,
    WorkVersion,
    author_url,
)
from publications.names import name_key

if TYPE_CHECKING:
    from publications.models import TopicWithWorksHere

# Lists of works show at most this many names per work, then "and N more" (Work.authors_count):
# a 300-author collaboration paper must not load 300 rows to print one line.
LISTED_AUTHORS = 6
RELATED_WORKS = 6
RELATED_BY_AUTHORS = 20
CACHE_SECONDS = 600


class Window:
    """One page of a list fetched as per_page + 1 rows: the extra row says whether a next page
    exists, so no count(*) over a large join is needed. `total` comes from a stored counter or a
    cheap count when the caller has one. The rows are fetched on first use, so a page whose list
    comes from a template fragment cache runs no query for it."""

    def __init__(
        self,
        queryset: QuerySet | Callable[[], QuerySet] | None = None,
        *,
        number: int,
        per_page: int,
        total: int | None = None,
        total_from: str | None = None,
        attach: Callable[[list], None] | None = None,
        fetch: Callable[[int, int], list] | None = None,
    ):
        self._queryset = queryset  # or a function returning it, built only if the rows are needed
        self._fetch = fetch  # or a function reading rows [offset, offset + limit) itself
        self._attach = attach  # adds what the rows show and the page query did not read
        self.number = number
        self.per_page = per_page
        self._total = total
        self._total_from = total_from  # an annotation on each row holding the full count

    @property
    def total(self) -> int | None:
        if self._total is None and self._total_from:
            return getattr(self._rows[0], self._total_from) if self._rows else 0
        return self._total

    @cached_property
    def _rows(self) -> list:
        start = (self.number - 1) * self.per_page
        if self._fetch is not None:
            rows = self._fetch(start, self.per_page + 1)
        else:
            queryset = self._queryset() if callable(self._queryset) else self._queryset
            assert queryset is not None, "a Window needs a queryset or a fetch function"
            rows = list(queryset[start : start + self.per_page + 1])
        if self._attach is not None:
            self._attach(rows[: self.per_page])
        return rows

    @property
    def items(self) -> list:
        return self._rows[: self.per_page]

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_next(self) -> bool:
        return len(self._rows) > self.per_page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1


def page_number(value: object) -> int:
    """A page number from user input: anything that is not a positive integer is page 1."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 10_000)


def window(
    queryset: QuerySet | Callable[[], QuerySet],
    *,
    page: int | str,
    per_page: int,
    total: int | None = None,
) -> Window:
    return Window(queryset, number=page_number(page), per_page=per_page, total=total)


def listed_authorships() -> Prefetch:
    """The first LISTED_AUTHORS authorships of each work, in printed order, with their records."""
    return Prefetch(
        "authorships",
        # The record's slug is all a list needs from it: no Author instance per name.
        queryset=Authorship.objects.filter(position__lte=LISTED_AUTHORS)
        .annotate(author_slug=F("author__slug"), author_hidden=F("author__hidden"))
        .only("work_id", "position", "printed_name")
        .order_by("position"),
        to_attr="listed_authorships",
    )


@dataclass(frozen=True, slots=True)
class ListedName:
    """One of a work's first names as a list of works prints it (`printed_name`, `author_url`,
    like an Authorship of listed_authorships()), without a model instance per name."""

    printed_name: str
    author_url: str  # empty for a record its owner hid: the name is shown unlinked


_LISTED_NAMES_SQL = (
    'SELECT s."work_id", s."printed_name", a."slug", a."hidden" '
    'FROM "publications_authorship" s INNER JOIN "profiles_author" a ON s."author_id" = a."id" '
    'WHERE s."position" <= %s AND s."work_id" IN ({works}) ORDER BY s."position" ASC'
)


def attach_listed_names(works: list[Work]) -> None:
    """Set `listed_authorships` on each work: its first LISTED_AUTHORS names in printed order, as
    ListedName. 1 query (none without works)."""
    if not works:
        return
    names: dict[int, list[ListedName]] = {work.pk: [] for work in works}
    # The SQL the ORM wrote for the same values query (same plan: the authorships' unique
    # (work, position) index, then each record by its key), without compiling it on every page.
    with connection.cursor() as cursor:
        cursor.execute(
            _LISTED_NAMES_SQL.format(works=", ".join(["%s"] * len(names))),
            [LISTED_AUTHORS, *names],
        )
        rows = cursor.fetchall()
    for work_id, printed_name, slug, hidden in rows:
        names[work_id].append(ListedName(printed_name, "" if hidden else author_url(slug)))
    for work in works:
        work.listed_authorships = names[work.pk]  # type: ignore[attr-defined]


def work_list() -> QuerySet[Work]:
    """Visible works as lists show them: primary topic joined, first authors prefetched
    (2 queries when evaluated)."""
    return (
        Work.objects.visible()
        .select_related("primary_topic")
        .defer(
            "search_vector",
            "search_folded",
            "tex_originals",
            "content_hash",
            "submitter",
            "report_no",
            "license",
        )
        .prefetch_related(listed_authorships())
    )


def work_get(*, arxiv_id: str) -> Work:
    """The visible work with its primary topic, without its authors. 1 query. Raises Http404
    for an unknown or hidden id."""
    try:
        return Work.objects.visible().select_related("primary_topic").get(arxiv_id=arxiv_id.strip())
    except Work.DoesNotExist:
        raise Http404(f"No work with arXiv id {arxiv_id.strip()!r}.") from None


def work_get_with_first_authors(*, arxiv_id: str, authors: int) -> Work:
    """The work with its first `authors` authors in order (records and institutions) as
    `ordered_authorships`, versions and topics. 4 queries (work, authorships, versions, topics),
    however many authors it has. Raises Http404 for an unknown or hidden id."""
    arxiv_id = arxiv_id.strip()
    queryset = (
        Work.objects.visible()
        .select_related("primary_topic")
        .prefetch_related(
            Prefetch(
                "versions", queryset=WorkVersion.objects.order_by("number"), to_attr="version_list"
            ),
            Prefetch("topics", queryset=Topic.objects.order_by("code"), to_attr="topic_list"),
        )
    )
    try:
        work = queryset.get(arxiv_id=arxiv_id)
    except Work.DoesNotExist:
        raise Http404(f"No work with arXiv id {arxiv_id!r}.") from None
    # A LIMIT, not only `position <= n`: the planner guesses that most of a collaboration paper's
    # thousands of lines pass that filter and picks a parallel plan hashing every institution.
    work.ordered_authorships = list(
        Authorship.objects.filter(work_id=work.pk, position__lte=authors)
        .select_related("author", "institution")
        .order_by("position")[:authors]
    )
    return work


def canonical_arxiv_id(arxiv_id: str) -> str:
    """The id as arXiv and the work pages spell it: old-style archives in lower case with the
    subject class in upper case ("HEP-TH/9901001" -> "hep-th/9901001", "math.ag/0101001" ->
    "math.AG/0101001"); new-style ids are digits. Pure."""
    if "/" not in arxiv_id:
        return arxiv_id
    archive, number = arxiv_id.split("/", 1)
    name, _, subject = archive.partition(".")
    return f"{name.lower()}.{subject.upper()}/{number}" if subject else f"{name.lower()}/{number}"


def topic_canonical_code(*, code: str) -> str | None:
    """The stored code of a category typed in another case ("ASTRO-PH" -> "astro-ph"), or None.
    1 query on the small topic table."""
    return Topic.objects.filter(code__iexact=code).values_list("code", flat=True).first()


def work_authorships(*, work_id: int) -> QuerySet[Authorship]:
    """The work's authorships with their records, for the API to order by position and page.
    1 query per page."""
    return Authorship.objects.filter(work_id=work_id).select_related("author")


def work_versions(*, work_id: int) -> list[WorkVersion]:
    """The work's versions, oldest first. 1 query."""
    return list(WorkVersion.objects.filter(work_id=work_id).order_by("number"))


def work_topics(*, work_id: int) -> list[Topic]:
    """The work's arXiv categories, by code. 1 query."""
    return list(Topic.objects.filter(work_topics__work_id=work_id).order_by("code"))


def work_author_position(*, work_id: int, author_slug: str) -> int | None:
    """Where the author record `author_slug` stands in the work's author list (its first place if
    it stands twice), or None when it is not on the work. 1 query (both indexes of the keys)."""
    return (
        Authorship.objects.filter(work_id=work_id, author__slug=author_slug)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )


def _author_lines() -> QuerySet[Authorship]:
    """Author lines as pages print them: position, name and affiliation as printed, and the
    record's slug (no Author instance per line: a work page may print thousands)."""
    return (
        Authorship.objects.annotate(
            author_slug=F("author__slug"), author_hidden=F("author__hidden")
        )
        .only("work_id", "author_id", "position", "printed_name", "printed_affiliation", "source")
        .order_by("position")
    )


def work_author_lines(
    *, work_id: int, first: int | None = None, around: tuple[int, int] | None = None
) -> list[Authorship]:
    """The work's author lines in printed order: every line (no arguments), or the first `first`
    lines and those from `around[0]` to `around[1]` (the visitor's own record and its
    neighbours). 1 query."""
    lines = _author_lines().filter(work_id=work_id)
    if first is not None:
        wanted, most = Q(position__lte=first), first
        if around is not None:
            wanted |= Q(position__gte=around[0], position__lte=around[1])
            most += around[1] - around[0] + 1
        # The LIMIT keeps the planner on the (work, position) index (see work_get_with_first_authors).
        lines = lines.filter(wanted)[:most]
    return list(lines)


def work_affiliations(*, work_id: int, up_to: int | None = None) -> list[str]:
    """The work's distinct printed affiliations in order of first appearance, so that the n-th is
    numbered n wherever a part of the author list is shown; only those first printed at position
    `up_to` or before, when given. 1 query."""
    rows = (
        Authorship.objects.filter(work_id=work_id)
        .exclude(printed_affiliation="")
        .values("printed_affiliation")
        .annotate(first=Min("position"))
        .order_by("first")
    )
    if up_to is not None:
        rows = rows.filter(first__lte=up_to)
    return [row["printed_affiliation"] for row in rows]


def work_related(*, work: Work, author_ids: list[int], limit: int = RELATED_WORKS) -> list[Work]:
    """Works that share author records with `author_ids` (the work's first authors; most shared
    first, then newest), topped up with recent works of its primary topic. 3 queries (two lists,
    the first authors of both)."""
    # The first authors only: a 500-member collaboration would otherwise make every paper of the
    # collaboration "related", at the cost of a join over all their works.
    author_ids = author_ids[:RELATED_BY_AUTHORS]
    works = (
        Work.objects.visible()
        .select_related("primary_topic")
        .defer("search_vector", "content_hash", "submitter", "report_no", "license")
    )
    by_authors = list(
        works.filter(authorships__author_id__in=author_ids)
        .exclude(pk=work.pk)
        .annotate(
            shared_authors=Count("authorships", filter=Q(authorships__author_id__in=author_ids))
        )
        .order_by("-shared_authors", "-first_submitted", "-id")[:limit]
    )
    seen = {w.pk for w in by_authors} | {work.pk}
    by_topic = list(
        works.filter(primary_topic_id=work.primary_topic_id)
        .exclude(pk__in=seen)
        .order_by("-first_submitted", "-id")[: max(limit - len(by_authors), 0) or 1]
    )
    related = (by_authors + by_topic)[:limit]
    prefetch_related_objects(related, listed_authorships())
    return related


def author_works_page(
    *, author_id: int, page: int | str = 1, per_page: int = 20, total: int | None = None
) -> Window:
    """An author record's visible works, newest first, one page, each with its first authors in
    order and `attached_by` (the source of the record's authorship). 2 queries (the page of works, their first authorships); `total` is the stored count."""

    # NULLS LAST differs from the order of the global first_submitted index on purpose: the
    # planner then starts from the record's authorships (a few hundred rows at most) instead of
    # walking every work in the database newest first, looking for the record's.
    def works() -> QuerySet[Work]:
        return (
            work_list()
            .filter(pk__in=Authorship.objects.filter(author_id=author_id).values("work_id"))
            .annotate(attached_by=_attached_by(author_id))
            .order_by(F("first_submitted").desc(nulls_last=True), "-id")
        )

    return window(works, page=page, per_page=per_page, total=total)


def _attached_by(author_id: int) -> Subquery:
    """How the record's authorship of each work came about (an AuthorshipSource value): the
    profile says when a claim or a curator, not the import, attached a work."""
    return Subquery(
        Authorship.objects.filter(work_id=OuterRef("pk"), author_id=author_id)
        .order_by("position")
        .values("source")[:1]
    )


@dataclass(frozen=True)
class PrintedAffiliation:
    """An affiliation as printed on one of the record's works, and where."""

    text: str
    arxiv_id: str
    year: int | None


def author_latest_affiliation(*, author_id: int) -> PrintedAffiliation | None:
    """The affiliation printed on the record's newest visible work that prints one. 1 query."""
    row = (
        Authorship.objects.filter(author_id=author_id, work__hidden=False)
        .exclude(printed_affiliation="")
        .order_by(F("work__first_submitted").desc(nulls_last=True), "-work_id")
        .values_list("printed_affiliation", "work__arxiv_id", "work__first_submitted")
        .first()
    )
    if row is None:
        return None
    text, arxiv_id, submitted = row
    return PrintedAffiliation(
        text=text, arxiv_id=arxiv_id, year=submitted.year if submitted else None
    )


def author_works_for_feed(*, author_id: int, limit: int = 50) -> list[Work]:
    """The newest works of an author record for its Atom feed. 2 queries."""
    return list(
        work_list()
        .filter(pk__in=Authorship.objects.filter(author_id=author_id).values("work_id"))
        .order_by(F("first_submitted").desc(nulls_last=True), "-id")[:limit]
    )


def author_top_topics(*, author_id: int, limit: int = 3) -> list[TopicWithWorksHere]:
    """The primary topics an author record publishes in most, each with `works_here` (its count).
    1 query, cached for CACHE_SECONDS (an aggregate over all the record's works)."""
    key = f"author-top-topics:{author_id}:{limit}"
    topics = cache.get(key)
    if topics is None:
        topics = list(
            Topic.objects.filter(
                primary_works__authorships__author_id=author_id, primary_works__hidden=False
            )
            .annotate(works_here=Count("primary_works", distinct=True))
            .order_by("-works_here", "code")[:limit]
        )
        cache.set(key, topics, CACHE_SECONDS)
    return topics


def topic_get(*, code: str) -> Topic:
    """The topic by its arXiv code. 1 query. Raises Http404 for an unknown code."""
    try:
        return Topic.objects.get(code=code)
    except Topic.DoesNotExist:
        raise Http404(f"No topic {code!r}.") from None


def topic_works_page(*, topic: Topic, page: int | str = 1, per_page: int = 20) -> Window:
    """Recent works whose primary topic is `topic`, newest first. 2 queries."""
    works = work_list().filter(primary_topic=topic).order_by("-first_submitted", "-id")
    return window(works, page=page, per_page=per_page)


def topic_prolific_authors(*, topic: Topic, limit: int = 10) -> list[Author]:
    """The author records with the most visible works whose primary topic is `topic`, each with
    `topic_works`. 2 queries (the counts, the records), cached for CACHE_SECONDS (an aggregate
    over the whole topic)."""
    key = f"topic-prolific:{topic.pk}:{limit}:{visibility_version()}"
    authors = cache.get(key)
    if authors is None:
        counts = (
            Authorship.objects.filter(
                work__primary_topic=topic,
                work__hidden=False,
                author__merged_into__isnull=True,
                author__hidden=False,
            )
            .values("author_id")
            .annotate(n=Count("work_id", distinct=True))
            .order_by("-n", "author_id")[:limit]
        )
        rows = list(counts)
        by_id = {
            a.pk: a
            for a in Author.objects.filter(pk__in=[r["author_id"] for r in rows]).only(
                "slug", "display_name", "works_count"
            )
        }
        authors = []
        for row in rows:
            author = by_id[row["author_id"]]
            author.topic_works = row["n"]
            authors.append(author)
        cache.set(key, authors, CACHE_SECONDS)
    return authors


def recent_works_queryset() -> QuerySet[Work]:
    """The newest visible works first, as lists show them (2 queries per page)."""
    return work_list().order_by("-first_submitted", "-id")


def topics_with_counts() -> list[TopicWithWorksHere]:
    """Topics that have works, each with `works_here` (visible works whose primary topic it is), most
    works first. 1 query, cached for CACHE_SECONDS."""
    key = "topics-with-counts"
    topics = cache.get(key)
    if topics is None:
        topics = list(
            Topic.objects.annotate(
                works_here=Count("primary_works", filter=Q(primary_works__hidden=False))
            )
            .filter(works_here__gt=0)
            .order_by("-works_here", "code")
        )
        cache.set(key, topics, CACHE_SECONDS)
    return topics


# What a results list shows of a work (templates/publications/_work_item.html without the
# abstract): the search page reads no other column.
WORK_ITEM_FIELDS = (
    "arxiv_id",
    "title",
    "journal_ref",
    "first_submitted",
    "latest_version_date",
    "version_count",
    "authors_count",
    "primary_topic__code",
)


def works_search(*, query: str, page: int | str = 1, per_page: int = 20) -> Window:
    """One page of works_matching(query) with the number of matches. 2 queries (the page with the
    number of matches as a window count, so the matches are read once; first authors, as
    ListedName).

    The page is read by _search_works_rows: the SQL works_matching(query).only(WORK_ITEM_FIELDS)
    compiles to, written out, its rows made into Work instances of those fields (the others
    deferred, as .only() leaves them) with their primary topic's code."""
    return Window(
        number=page_number(page),
        per_page=per_page,
        total_from="matches",
        attach=attach_listed_names,
        fetch=lambda offset, limit: _search_works_rows(query, offset=offset, limit=limit),
    )


# The columns of WORK_ITEM_FIELDS as Work.from_db receives them, then the topic's code, the rank
# and the number of matches.
_SEARCH_WORK_COLUMNS = [
    "id",
    "arxiv_id",
    "title",
    "journal_ref",
    "primary_topic_id",
    "first_submitted",
    "latest_version_date",
    "version_count",
    "authors_count",
]


def _search_works_rows(query: str, *, offset: int, limit: int) -> list[Work]:
    """Rows [offset, offset + limit) of works_matching(query), each a Work with
    WORK_ITEM_FIELDS, `primary_topic` (id and code), `rank` and `matches`. 1 query.

    The statement is the one the ORM wrote for works_matching(query).only(*WORK_ITEM_FIELDS)
    (the same match, rank, window count and order, so the same plan and rows) without the
    expressions compiled and the instances built through the queryset machinery on every page:
    together they were as much Python time as reading the rows."""
    match, match_params, rank, rank_params = _words_match_and_rank(query)
    columns = ", ".join(f'"publications_work"."{column}"' for column in _SEARCH_WORK_COLUMNS)
    sql = (
        f'SELECT {columns}, "publications_topic"."code", {rank} AS "rank", '
        'COUNT("publications_work"."id") OVER () AS "matches" '
        'FROM "publications_work" LEFT OUTER JOIN "publications_topic" '
        'ON ("publications_work"."primary_topic_id" = "publications_topic"."id") '
        f'WHERE (NOT "publications_work"."hidden" AND {match}) '
        'ORDER BY "rank" DESC, "publications_work"."first_submitted" DESC, '
        '"publications_work"."id" DESC LIMIT %s'
    )
    params: list[str | int] = [*rank_params, *match_params, limit]
    if offset:
        sql += " OFFSET %s"
        params.append(offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(_SEARCH_WORK_COLUMNS)
    cache_topic = Work.primary_topic.field.set_cached_value
    works = []
    for row in rows:
        work = Work.from_db("default", _SEARCH_WORK_COLUMNS, row[:width])
        topic_id, (code, rank, matches) = row[4], row[width:]
        work.rank, work.matches = rank, matches  # type: ignore[attr-defined]
        topic = (
            None if topic_id is None else Topic.from_db("default", ["id", "code"], (topic_id, code))
        )
        cache_topic(work, topic)
        works.append(work)
    return works


# The full-text match and rank of works_matching as SQL (%s: the query): written once rather than
# composed from SearchQuery/SearchRank expressions, whose compilation was a tenth of an uncached
# search page's time. The folded vector is the expression of the partial GIN index on
# search_folded (work_search_folded_idx), which the match uses.
_WORDS = "websearch_to_tsquery('english'::regconfig, %s)"
_VECTOR = '"publications_work"."search_vector"'
_FOLDED_VECTOR = (
    "to_tsvector('english'::regconfig, COALESCE(\"publications_work\".\"search_folded\", ''))"
)
_MATCH = f"{_VECTOR} @@ {_WORDS}"
_FOLDED_MATCH = (
    f'(NOT ("publications_work"."search_folded" = \'\') AND {_FOLDED_VECTOR} @@ {_WORDS})'
)
_RANK = f"ts_rank({_VECTOR}, {_WORDS})"
_FOLDED_RANK = f"ts_rank({_FOLDED_VECTOR}, {_WORDS})"


def works_matching(*, query: str) -> QuerySet[Work]:
    """Works whose title or abstract match `query` (PostgreSQL full-text search, websearch syntax,
    English stemming, GIN index on Work.search_vector), best rank first. Accents are optional on
    both sides: the query is also tried with its accents folded ("Paczyński" finds "Paczynski"),
    and works with accented text match a query typed without them through their folded text
    (Work.search_folded, a partial GIN index). Each row carries `rank` and `matches` (the number
    of matches, a window count)."""
    match, match_params, rank, rank_params = _words_match_and_rank(query)
    return (
        work_list()
        .defer("abstract")  # not shown in results; carrying it through the sort cost a third
        .alias(words_match=RawSQL(match, match_params, BooleanField()))
        .filter(words_match=True)
        .annotate(
            rank=RawSQL(rank, rank_params, FloatField()),
            matches=Over(Count("id")),
        )
        .order_by("-rank", "-first_submitted", "-id")
    )


def _words_match_and_rank(query: str) -> tuple[str, list[str], str, list[str]]:
    """The full-text match of `query` (with its accents folded too) and its rank, as SQL
    expressions with their parameters. Pure."""
    folded_query = fold_accents(query)
    matches, match_params = [_MATCH, _FOLDED_MATCH], [query, folded_query]
    ranks, rank_params = [_RANK, _FOLDED_RANK], [query, folded_query]
    if folded_query != query:
        matches.append(_MATCH)
        match_params.append(folded_query)
        ranks.append(_RANK)
        rank_params.append(folded_query)
    return f"({' OR '.join(matches)})", match_params, f"GREATEST({', '.join(ranks)})", rank_params


# --- REST API (publications/api.py): querysets that DRF's cursor pagination orders and slices ---


def works_filtered(
    *,
    category: str | None = None,
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
    author_slug: str | None = None,
) -> QuerySet[Work]:
    """Visible works as lists show them, filtered by arXiv category (primary or cross-list), v1
    date range (inclusive, UTC) and author record slug. 2 queries per page (works with their
    primary topic, first authorships)."""
    works = work_list()
    if category:
        works = works.filter(
            id__in=WorkTopic.objects.filter(topic__code=category).values("work_id")
        )
    if submitted_from:
        works = works.filter(first_submitted__gte=_start_of(submitted_from))
    if submitted_to and submitted_to < dt.date.max:
        works = works.filter(first_submitted__lt=_start_of(submitted_to + dt.timedelta(days=1)))
    if author_slug:
        works = works.filter(
            id__in=Authorship.objects.filter(author__slug=author_slug).values("work_id")
        )
    return works


# Before any v1 date: works without one sort last in newest-first lists.
NO_DATE = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def author_works(*, author_id: int) -> QuerySet[Work]:
    """An author record's visible works as lists show them, with `listed_date` (the v1 date, or
    NO_DATE) to order by. 2 queries per page.

    Ordering by `listed_date` rather than first_submitted is on purpose (as in
    author_works_page): no index serves it, so the planner starts from the record's authorships
    (hundreds of rows at most) instead of walking every work in the database newest first."""
    return (
        work_list()
        .filter(id__in=Authorship.objects.filter(author_id=author_id).values("work_id"))
        .annotate(listed_date=Coalesce("first_submitted", Value(NO_DATE)))
    )


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def topic_list() -> QuerySet[Topic]:
    """Every arXiv category known here. 1 query per page."""
    return Topic.objects.all()


def followed_works_page(*, user_id: int, page: int | str = 1, per_page: int = 20) -> Page:
    """Newest visible works of the records the user follows, each with its first LISTED_AUTHORS
    authors in order as `listed_authorships` (Work.unlisted_authors_count says how many more: a
    followed collaboration paper must not load thousands of lines). 3 queries (count, the page of works,
    the authorships of those works)."""
    from django.db.models import Exists, OuterRef

    followed = Authorship.objects.filter(
        work=OuterRef("pk"), author__follows__user_id=user_id, author__hidden=False
    )
    works = (
        Work.objects.visible()
        .filter(Exists(followed))
        .select_related("primary_topic")
        .order_by("-first_submitted", "-id")
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.filter(position__lte=LISTED_AUTHORS)
                .select_related("author")
                .order_by("position"),
                to_attr="listed_authorships",
            )
        )
    )
    return Paginator(works, per_page).get_page(page)


# --- Exports (publications/exports.py): every author, streamed -----------------------------------


def _export_list() -> QuerySet[Work]:
    """Visible works with `author_names` (every printed name, in order) aggregated in the same
    query, so an export of any size is one query read through a server-side cursor."""
    names = (
        Authorship.objects.filter(work_id=OuterRef("pk"))
        .order_by()
        .values("work_id")
        .annotate(names=ArrayAgg("printed_name", order_by="position"))
        .values("names")
    )
    return (
        Work.objects.visible()
        .select_related("primary_topic")
        .defer("search_vector", "search_folded", "content_hash", "submitter", "license")
        .annotate(author_names=Coalesce(Subquery(names), Value([], ArrayField(TextField()))))
    )


def author_works_for_export(*, author_id: int) -> QuerySet[Work]:
    """Every visible work of an author record, newest first, with `author_names` and
    `attached_by`. 1 query; iterate with .iterator() to stream."""
    return (
        _export_list()
        .filter(pk__in=Authorship.objects.filter(author_id=author_id).values("work_id"))
        .annotate(attached_by=_attached_by(author_id))
        .order_by(F("first_submitted").desc(nulls_last=True), "-id")
    )


def work_for_export(*, arxiv_id: str) -> Work:
    """One visible work with `author_names`. 1 query. Raises Http404 for an unknown id."""
    work = _export_list().filter(arxiv_id=arxiv_id).first()
    if work is None:
        raise Http404(f"No work with arXiv id {arxiv_id!r}.")
    return work


def search_works_for_export(*, query: str, page: int | str = 1, per_page: int = 20) -> list[Work]:
    """The works of one search results page (same ranking as works_search) with `author_names`.
    2 queries (the page's ids, the works)."""
    number = page_number(page)
    start = (number - 1) * per_page
    ids = list(
        works_matching(query=query)
        .prefetch_related(None)
        .values_list("pk", flat=True)[start : start + per_page]
    )
    by_id = {w.pk: w for w in _export_list().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


# --- Conflict-of-interest list: co-authors of recent years ----------------------------------------

COAUTHOR_YEARS_DEFAULT = 3
COAUTHOR_YEARS_MAX = 20
COAUTHORS_LIMIT = 1000


@dataclass
class CoAuthor:
    author: Author
    works: list[Work]  # the shared works, newest first

    @property
    def last_year(self) -> int | None:
        dates = [w.first_submitted for w in self.works if w.first_submitted]
        return max(dates).year if dates else None


@dataclass
class CoAuthorList:
    since: dt.date
    coauthors: list[CoAuthor]
    more: bool  # more than COAUTHORS_LIMIT co-authors: the list is cut


def author_coauthors(*, author_id: int, years: int, today: dt.date) -> CoAuthorList:
    """The records that share a visible work first submitted in the last `years` years with the
    record, most shared works first, each with those works; at most COAUTHORS_LIMIT. A record its
    owner hid stays in the list (it is still a conflict) but its page is not linked. 3 queries
    (the co-authors with their shared work ids, their records, the works)."""
    try:
        since = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - years, day=28)
    recent = Authorship.objects.filter(
        author_id=author_id, work__hidden=False, work__first_submitted__gte=_start_of(since)
    ).values("work_id")
    rows = list(
        Authorship.objects.filter(work_id__in=recent)
        .exclude(author_id=author_id)
        .values("author_id")
        .annotate(
            shared=Count("work_id", distinct=True), work_ids=ArrayAgg("work_id", distinct=True)
        )
        .order_by("-shared", "author_id")[: COAUTHORS_LIMIT + 1]
    )
    more = len(rows) > COAUTHORS_LIMIT
    rows = rows[:COAUTHORS_LIMIT]
    authors = Author.objects.only("slug", "display_name", "hidden").in_bulk(
        [r["author_id"] for r in rows]
    )
    work_ids = {pk for r in rows for pk in r["work_ids"]}
    works = Work.objects.only("arxiv_id", "title", "first_submitted").in_bulk(work_ids)
    newest_first = lambda w: (w.first_submitted or NO_DATE, w.pk)  # noqa: E731
    coauthors = [
        CoAuthor(
            author=authors[r["author_id"]],
            works=sorted((works[pk] for pk in r["work_ids"]), key=newest_first, reverse=True),
        )
        for r in rows
    ]
    return CoAuthorList(since=since, coauthors=coauthors, more=more)


# --- Author records: by slug, by name, when arXiv last showed their works ----------------------


def author_get(*, slug: str, with_split: bool = False, with_open_proposals: bool = False) -> Author:
    """The author record by slug with its institution, merged records included (the view
    redirects them, reading merged_into with one more query). 1 query; everything the profile
    header and trust snapshot show is a stored column of this row. In the same query, on
    request: whether a split made or took works from the record (``was_split``, the profile
    links its name page) and whether the identity engine proposes records to join it
    (``has_open_proposals``, the owner's edit page)."""
    records = Author.objects.select_related("institution")
    if with_split:
        records = records.with_split()
    if with_open_proposals:
        records = records.with_open_proposals()
    try:
        return records.get(slug=slug)
    except Author.DoesNotExist:
        raise Http404(f"No author record {slug!r}.") from None


def author_last_synced(*, author: Author) -> dt.datetime | None:
    """When an arXiv import or harvest last saw one of the record's works (Work.last_seen_at,
    which the importer sets on every work it sees, changed or not). 1 query."""
    return author.authorships.aggregate(seen=Max("work__last_seen_at"))["seen"]


# What the search page shows of a record found by name (templates/publications/search.html).
AUTHOR_RESULT_FIELDS = ("display_name", "slug", "works_count", "institution__name")


def authors_search(*, query: str, offset: int = 0, limit: int = 10) -> tuple[list[Author], bool]:
    """Live author records whose folded name is close to `query`: accents, case and punctuation
    folded like the records' name keys ("Dóng  LIN" finds "Dong Lin"), and trigram similarity
    (pg_trgm `%`, similarity >= 0.3) tolerates initials ("D. Lin"), missing first names ("Lin")
    and small typos ("Smyth"). Best match first, then most works. Returns (records, whether more
    exist). 1 query.

    The names are matched in AuthorSearchName (the public records' keys in a narrow table with
    its own trigram index): the index yields candidates that each need their key read and
    compared again, and most are rejected, so reading them from the wide author rows cost a page
    read each. Only the matches are joined to their records."""
    key = name_key(query)
    if not key:
        return [], False
    # Initials select nothing (most names have a word starting with "a") but make the index scan
    # read the huge posting lists of trigrams like "  a": filter on the longer words, rank on all.
    filter_key = " ".join(word for word in key.split() if len(word) > 1) or key
    # The statement the ORM wrote for Author.objects.public() matched through search_name,
    # annotated with the similarity, with the institution joined and AUTHOR_RESULT_FIELDS only
    # (the same plan and rows), without compiling it and building instances through the
    # queryset machinery on every search.
    sql = _AUTHORS_SEARCH_SQL + (" OFFSET %s" if offset else "")
    params: list[str | int] = [key, filter_key, limit + 1, *([offset] if offset else [])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cache_institution = Author.institution.field.set_cached_value
    records = []
    for *fields, similarity, institution_name in rows:
        author = Author.from_db("default", _AUTHOR_RESULT_COLUMNS, fields)
        author.similarity = similarity  # type: ignore[attr-defined]
        institution_id = fields[3]
        if institution_id is not None:
            cache_institution(
                author,
                Institution.from_db("default", ["id", "name"], (institution_id, institution_name)),
            )
        records.append(author)
    return records[:limit], len(records) > limit


# AUTHOR_RESULT_FIELDS as Author.from_db receives them (the others deferred, as .only() leaves
# them), then the similarity and the institution's name.
_AUTHOR_RESULT_COLUMNS = ["id", "display_name", "slug", "institution_id", "works_count"]
_AUTHORS_SEARCH_SQL = (
    'SELECT "profiles_author"."id", "profiles_author"."display_name", "profiles_author"."slug", '
    '"profiles_author"."institution_id", "profiles_author"."works_count", '
    'SIMILARITY("publications_authorsearchname"."name_key", %s) AS "similarity", '
    '"profiles_institution"."name" '
    'FROM "profiles_author" INNER JOIN "publications_authorsearchname" '
    'ON ("profiles_author"."id" = "publications_authorsearchname"."author_id") '
    'LEFT OUTER JOIN "profiles_institution" '
    'ON ("profiles_author"."institution_id" = "profiles_institution"."id") '
    'WHERE (NOT "profiles_author"."hidden" AND "profiles_author"."merged_into_id" IS NULL '
    'AND "publications_authorsearchname"."name_key" %% %s) '
    'ORDER BY "similarity" DESC, "profiles_author"."works_count" DESC, '
    '"profiles_author"."id" ASC LIMIT %s'
)
