"""REST API for author records: list with name search and filters, detail with counts and the trust
breakdown. Thin: parse input, call a selector, serialize (see bzpeer/api.py for what is shared)."""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from bzpeer.api import (
    Cursor,
    QueryTextField,
    StrictBooleanField,
    conditional_response,
    parse_query,
    path_parameter,
)
from profiles.models import Author, VerificationLevel
from profiles.selectors import author_get, author_list

SLUG_PATTERN = r"[-\w]+"
SLUG_PARAMETER = path_parameter(
    "slug", SLUG_PATTERN, "christoph-richard", "The author record's slug, as in its page's URL."
)


class InstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AuthorSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    display_name = serializers.CharField()
    url = serializers.SerializerMethodField()
    html_url = serializers.CharField(source="get_absolute_url")

    def get_url(self, author: Author) -> str:
        return reverse("api:author", kwargs={"slug": author.slug})


class AuthorListItemSerializer(AuthorSummarySerializer):
    institution = InstitutionSerializer(allow_null=True)
    verification_level = serializers.IntegerField()
    is_claimed = serializers.BooleanField()
    works_count = serializers.IntegerField()
    followers_count = serializers.IntegerField()
    trust_score = serializers.IntegerField()
    trust_tier = serializers.CharField()


class AuthorCountsSerializer(serializers.Serializer):
    works = serializers.IntegerField(source="works_count")
    followers = serializers.IntegerField(source="followers_count")
    topics = serializers.IntegerField(source="topics_count")
    close_collaborators = serializers.IntegerField(source="close_collaborators_count")
    verified_collaborators = serializers.IntegerField(source="verified_collaborators_count")


class TrustSerializer(serializers.Serializer):
    score = serializers.IntegerField(source="trust_score")
    tier = serializers.CharField(source="trust_tier")
    formula_version = serializers.IntegerField(source="trust_formula_version")
    components = serializers.JSONField(
        source="trust_components", help_text="The breakdown that produced the score."
    )
    scored_at = serializers.DateTimeField(allow_null=True)


class AuthorDetailSerializer(AuthorSummarySerializer):
    name_variants = serializers.ListField(child=serializers.CharField())
    institution = InstitutionSerializer(allow_null=True)
    bio = serializers.CharField()
    open_to_collaborate = serializers.BooleanField()
    is_claimed = serializers.BooleanField()
    verification_level = serializers.IntegerField()
    verification_label = serializers.CharField(source="get_verification_level_display")
    may_combine_several = serializers.BooleanField()
    first_year = serializers.IntegerField(allow_null=True)
    last_year = serializers.IntegerField(allow_null=True)
    counts = AuthorCountsSerializer(source="*")
    trust = TrustSerializer(source="*")
    works_url = serializers.SerializerMethodField()

    def get_works_url(self, author: Author) -> str:
        return reverse("api:author-works", kwargs={"slug": author.slug})


class AuthorListQuery(serializers.Serializer):
    q = QueryTextField(max_length=200, help_text="Name, in any order or spelling of accents.")
    claimed = StrictBooleanField(required=False, help_text="Only claimed (true) or unclaimed (false) records.")
    verification_level = serializers.ChoiceField(
        choices=VerificationLevel.values, required=False, help_text="0 to 4 (L0 to L4)."
    )
    institution = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    min_works = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


class AuthorCursor(Cursor):
    ordering = ("id",)


class AuthorListView(GenericAPIView):
    """Author records (merged ones left out), oldest record first."""

    serializer_class = AuthorListItemSerializer
    pagination_class = AuthorCursor

    @extend_schema(
        parameters=[AuthorListQuery],
        operation_id="authors_list",
        responses=AuthorListItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(AuthorListQuery, request)
        if "institution" in query:
            query["institution_id"] = query.pop("institution")
        page = self.paginate_queryset(author_list(**query))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AuthorDetailView(GenericAPIView):
    """One author record: profile, stored counts, verification and the trust breakdown.

    A record merged into another answers 301 with the other record's URL. Answers carry an ETag;
    send it back in If-None-Match to get 304 when nothing changed."""

    serializer_class = AuthorDetailSerializer

    @extend_schema(
        operation_id="authors_retrieve",
        parameters=[SLUG_PARAMETER],
        responses={200: AuthorDetailSerializer, 301: OpenApiResponse(description="Merged record.")},
    )
    def get(self, request: Request, slug: str) -> Response | HttpResponsePermanentRedirect:
        author = author_get(slug=slug)
        if author.merged_into_id:
            return HttpResponsePermanentRedirect(
                reverse("api:author", kwargs={"slug": author.merged_into.slug})
            )
        return conditional_response(request, self.get_serializer(author).data)
