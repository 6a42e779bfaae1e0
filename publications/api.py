"""REST API for works and topics, and an author record's works. Thin: parse input, call a
selector, serialize (see bzpeer/api.py for what is shared)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from bzpeer.api import Cursor, conditional_response, link, parse_query, path_parameter
from bzpeer.page_cache import cached_for_visitors
from profiles.api import SLUG_PARAMETER, public_author_get
from publications.models import WORK_PAGE_FIRST_AUTHORS, Authorship, Work
from publications.selectors import (
    LISTED_AUTHORS,
    author_works,
    topic_get,
    topic_list,
    work_authorships,
    work_get,
    work_get_with_first_authors,
    works_filtered,
)

if TYPE_CHECKING:
    from publications.models import Author, ListedAuthorship, WorkWithListedAuthors

# New-style ids (2101.00001) and old-style ids with a slash (hep-th/9901001), without version.
ARXIV_ID_PATTERN = r"(?:[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})"
TOPIC_PATTERN = r"[A-Za-z\-]+(?:\.[A-Za-z\-]+)?"


class TopicSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    archive = serializers.CharField()
    group = serializers.CharField()
    retired = serializers.BooleanField()


class WorkAuthorSerializer(serializers.Serializer):
    """One author line of a work, as printed, with the author record it is attributed to."""

    position = serializers.IntegerField()
    printed_name = serializers.CharField()
    author_slug = serializers.CharField(
        allow_null=True, help_text="Null when the record's owner hid it."
    )
    author_url = serializers.SerializerMethodField()

    # The parameter's annotation stays one that resolves at run time: drf-spectacular reads this
    # method's type hints for the schema.
    def get_author_url(self, authorship: Authorship) -> str | None:
        if getattr(authorship, "author_hidden", False):
            return None
        return link("api:author", slug=cast("ListedAuthorship", authorship).author_slug)


class WorkAuthorDetailSerializer(WorkAuthorSerializer):
    author_slug = serializers.SerializerMethodField(
        help_text="Null when the record's owner hid it."
    )
    author_name = serializers.SerializerMethodField(
        help_text="Null when the record's owner hid it."
    )
    printed_affiliation = serializers.CharField()
    source = serializers.CharField(
        help_text="Where the attribution came from: arxiv, claim, curator."
    )

    def get_author_slug(self, authorship: Authorship) -> str | None:
        return None if authorship.author.hidden else authorship.author.slug

    def get_author_name(self, authorship: Authorship) -> str | None:
        return None if authorship.author.hidden else authorship.author.display_name

    def get_author_url(self, authorship: Authorship) -> str | None:
        return None if authorship.author.hidden else link("api:author", slug=authorship.author.slug)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created = serializers.DateTimeField()
    size = serializers.CharField()


class WorkListItemSerializer(serializers.Serializer):
    arxiv_id = serializers.CharField()
    title = serializers.CharField()
    primary_category = serializers.CharField(source="primary_topic.code", allow_null=True)
    first_submitted = serializers.DateTimeField(allow_null=True)
    latest_version_date = serializers.DateTimeField(allow_null=True)
    version_count = serializers.IntegerField()
    authors_count = serializers.IntegerField()
    authors = WorkAuthorSerializer(
        source="listed_authorships",
        many=True,
        help_text=f"The first {LISTED_AUTHORS} authors, in printed order (authors_count says how many).",
    )
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, work: Work) -> str:
        return link("api:work", arxiv_id=work.arxiv_id)

    def get_html_url(self, work: Work) -> str:
        return link("publications:work", arxiv_id=work.arxiv_id)

    def to_representation(self, work: WorkWithListedAuthors) -> dict:
        # The fields above, written out: a page holds 20 works and up to 160 author lines, and
        # DRF's field-by-field path was most of the page's time. test_list_items_match_their_schema
        # keeps the two in step.
        when = _DATETIME.to_representation
        return {
            "arxiv_id": work.arxiv_id,
            "title": work.title,
            "primary_category": work.primary_topic.code if work.primary_topic else None,
            "first_submitted": when(work.first_submitted) if work.first_submitted else None,
            "latest_version_date": (
                when(work.latest_version_date) if work.latest_version_date else None
            ),
            "version_count": work.version_count,
            "authors_count": work.authors_count,
            "authors": [
                {
                    "position": line.position,
                    "printed_name": line.printed_name,
                    "author_slug": None if line.author_hidden else line.author_slug,
                    "author_url": (
                        None if line.author_hidden else link("api:author", slug=line.author_slug)
                    ),
                }
                for line in work.listed_authorships
            ],
            "url": link("api:work", arxiv_id=work.arxiv_id),
            "html_url": link("publications:work", arxiv_id=work.arxiv_id),
        }


_DATETIME = serializers.DateTimeField()


class WorkDetailSerializer(serializers.Serializer):
    arxiv_id = serializers.CharField()
    title = serializers.CharField()
    abstract = serializers.CharField()
    comments = serializers.CharField()
    journal_ref = serializers.CharField()
    doi = serializers.CharField()
    report_no = serializers.CharField()
    license = serializers.CharField()
    primary_category = serializers.CharField(source="primary_topic.code", allow_null=True)
    categories = TopicSerializer(source="topic_list", many=True)
    first_submitted = serializers.DateTimeField(allow_null=True)
    latest_version_date = serializers.DateTimeField(allow_null=True)
    version_count = serializers.IntegerField()
    authors_count = serializers.IntegerField()
    authors = WorkAuthorDetailSerializer(
        source="ordered_authorships",
        many=True,
        help_text=f"The first {WORK_PAGE_FIRST_AUTHORS} authors, in printed order (authors_count "
        "says how many; authors_url lists every one, page by page).",
    )
    authors_url = serializers.SerializerMethodField(
        help_text="Every author of the work, in printed order, paginated."
    )
    versions = VersionSerializer(source="version_list", many=True)
    tex = serializers.DictField(
        source="tex_originals",
        child=serializers.CharField(),
        help_text="The text fields as typed on arXiv (TeX), only those shown converted to Unicode.",
    )
    last_synced_at = serializers.DateTimeField(
        source="last_seen_at",
        allow_null=True,
        help_text="When BZPEER last saw this work in an arXiv import or harvest.",
    )
    abs_url = serializers.CharField()
    pdf_url = serializers.CharField()
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, work: Work) -> str:
        return link("publications:work", arxiv_id=work.arxiv_id)

    def get_authors_url(self, work: Work) -> str:
        return link("api:work-authors", arxiv_id=work.arxiv_id)


class WorkCursor(Cursor):
    ordering = ("-first_submitted", "-id")


class WorkAuthorsCursor(Cursor):
    ordering = ("position",)
    page_size = 100


class AuthorWorksCursor(Cursor):
    ordering = ("-listed_date", "-id")  # see publications.selectors.author_works


class WorkListQuery(serializers.Serializer):
    category = serializers.RegexField(
        r"^[A-Za-z\-]+(\.[A-Za-z\-]+)?$",
        max_length=40,
        required=False,
        help_text="arXiv category (primary or cross-list), e.g. astro-ph.GA.",
    )
    submitted_from = serializers.DateField(required=False, help_text="v1 on or after (UTC).")
    submitted_to = serializers.DateField(required=False, help_text="v1 on or before (UTC).")
    author = serializers.RegexField(
        r"^[-\w]+$", max_length=320, required=False, help_text="Author record slug."
    )


class WorkListView(GenericAPIView):
    """Works, newest first (by v1 date)."""

    serializer_class = WorkListItemSerializer
    pagination_class = WorkCursor

    @extend_schema(
        parameters=[WorkListQuery],
        operation_id="works_list",
        responses=WorkListItemSerializer(many=True),
    )
    @cached_for_visitors("works")
    def get(self, request: Request) -> Response:
        query = parse_query(WorkListQuery, request)
        works = works_filtered(
            category=query.get("category"),
            submitted_from=query.get("submitted_from"),
            submitted_to=query.get("submitted_to"),
            author_slug=query.get("author"),
        )
        page = self.paginate_queryset(works)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class WorkDetailView(GenericAPIView):
    """One work: every author in printed order, versions and categories. Carries an ETag."""

    serializer_class = WorkDetailSerializer

    @extend_schema(
        operation_id="works_retrieve",
        parameters=[
            path_parameter("arxiv_id", ARXIV_ID_PATTERN, "0704.0716", "arXiv id without version.")
        ],
    )
    @cached_for_visitors("work")
    def get(self, request: Request, arxiv_id: str) -> Response:
        work = work_get_with_first_authors(arxiv_id=arxiv_id, authors=WORK_PAGE_FIRST_AUTHORS)
        return conditional_response(request, self.get_serializer(work).data)


class WorkAuthorsView(GenericAPIView):
    """Every author of a work in printed order, with the author record each line is attributed
    to; 100 per page by default."""

    serializer_class = WorkAuthorDetailSerializer
    pagination_class = WorkAuthorsCursor

    @extend_schema(
        operation_id="works_authors_list",
        parameters=[
            path_parameter("arxiv_id", ARXIV_ID_PATTERN, "0704.0716", "arXiv id without version.")
        ],
        responses=WorkAuthorDetailSerializer(many=True),
    )
    @cached_for_visitors("work-authors")
    def get(self, request: Request, arxiv_id: str) -> Response:
        work = work_get(arxiv_id=arxiv_id)
        page = self.paginate_queryset(work_authorships(work_id=work.pk))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AuthorWorksView(GenericAPIView):
    """An author record's works, newest first. A merged record answers 301."""

    serializer_class = WorkListItemSerializer
    pagination_class = AuthorWorksCursor

    @extend_schema(
        operation_id="authors_works_list",
        parameters=[SLUG_PARAMETER],
        responses={
            200: WorkListItemSerializer(many=True),
            301: OpenApiResponse(description="Merged record."),
            410: OpenApiResponse(description="Its owner hid the record."),
        },
    )
    @cached_for_visitors("author-works")
    def get(self, request: Request, slug: str) -> Response | HttpResponsePermanentRedirect:
        author = public_author_get(slug=slug)
        if author.merged_into_id:
            return HttpResponsePermanentRedirect(
                reverse(
                    "api:author-works", kwargs={"slug": cast("Author", author.merged_into).slug}
                )
            )
        page = self.paginate_queryset(author_works(author_id=author.pk))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class TopicListView(GenericAPIView):
    """arXiv categories, by code."""

    serializer_class = TopicSerializer
    pagination_class = type("TopicCursor", (Cursor,), {"ordering": ("code",), "page_size": 100})

    @extend_schema(operation_id="topics_list", responses=TopicSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(topic_list())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class TopicDetailView(GenericAPIView):
    """One arXiv category. Its works: /api/works/?category=CODE."""

    serializer_class = TopicSerializer

    @extend_schema(
        operation_id="topics_retrieve",
        parameters=[path_parameter("code", TOPIC_PATTERN, "math-ph", "arXiv category code.")],
    )
    def get(self, request: Request, code: str) -> Response:
        return conditional_response(request, self.get_serializer(topic_get(code=code)).data)
