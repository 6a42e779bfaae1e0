"""REST API for author records: list with name search and filters, detail with counts and the trust
breakdown; for signed-in users follow/unfollow, their follows and their claims; the token endpoint.
Thin: parse input, call one selector or service, serialize (see bzpeer/api.py for what is
shared)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bzpeer.api import (
    AnonThrottle,
    Cursor,
    QueryTextField,
    StrictBooleanField,
    conditional_response,
    link,
    parse_query,
    path_parameter,
)
from bzpeer.page_cache import cached_for_visitors
from profiles.api_permissions import VerifiedEmailForWrites
from profiles.claims import claim_create, claim_withdraw
from profiles.follows import follow_author, unfollow_author
from profiles.logins import LoginRefused, password_login
from profiles.models import Claim, ClaimState
from profiles.ratelimit import RateLimited
from profiles.selectors import (
    author_list,
    claim_get,
    claims_page_of_user,
    follows_page_of_user,
)
from publications.models import Author, VerificationLevel
from publications.selectors import author_get, author_last_synced

if TYPE_CHECKING:
    from profiles.models import AuthorWithFollowing

SLUG_PATTERN = r"[-\w]+"
SLUG_PARAMETER = path_parameter(
    "slug", SLUG_PATTERN, "christoph-richard", "The author record's slug, as in its page's URL."
)


class AuthorGone(exceptions.APIException):
    status_code = 410
    default_detail = "Its owner hid this author record."
    default_code = "gone"


def public_author_get(*, slug: str) -> Author:
    """The record by slug for the API: 410 when its owner hid it (merged records are returned
    for the caller to redirect)."""
    author = author_get(slug=slug)
    if author.hidden and not author.merged_into_id:
        raise AuthorGone()
    return author


class InstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AuthorSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    display_name = serializers.CharField()
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_url(self, author: Author) -> str:
        return link("api:author", slug=author.slug)

    def get_html_url(self, author: Author) -> str:
        return link("profiles:author", slug=author.slug)


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
    may_combine_several = serializers.BooleanField(source="shows_may_combine_several")
    first_year = serializers.IntegerField(allow_null=True)
    last_year = serializers.IntegerField(allow_null=True)
    counts = AuthorCountsSerializer(source="*")
    trust = TrustSerializer(source="*")
    homepage = serializers.CharField(help_text="The owner's own page; empty when none.")
    last_synced_at = serializers.SerializerMethodField(
        help_text="When BZPEER last saw one of the record's works in an arXiv import or harvest.",
    )
    works_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_last_synced_at(self, author: Author) -> str | None:
        seen = author_last_synced(author=author)
        return serializers.DateTimeField().to_representation(seen) if seen else None

    def get_works_url(self, author: Author) -> str:
        return link("api:author-works", slug=author.slug)


class AuthorListQuery(serializers.Serializer):
    q = QueryTextField(max_length=200, help_text="Name, in any order or spelling of accents.")
    claimed = StrictBooleanField(
        required=False, help_text="Only claimed (true) or unclaimed (false) records."
    )
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
    @cached_for_visitors("authors")
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
        responses={
            200: AuthorDetailSerializer,
            301: OpenApiResponse(description="Merged record."),
            410: OpenApiResponse(description="Its owner hid the record."),
        },
    )
    @cached_for_visitors("author")
    def get(self, request: Request, slug: str) -> Response | HttpResponsePermanentRedirect:
        author = public_author_get(slug=slug)
        if author.merged_into_id:
            return HttpResponsePermanentRedirect(
                reverse("api:author", kwargs={"slug": cast(Author, author.merged_into).slug})
            )
        return conditional_response(request, self.get_serializer(author).data)


# --- Signed-in users: follows and claims --------------------------------------------------------


class FollowStateSerializer(serializers.Serializer):
    author = serializers.CharField(source="slug", help_text="The author record's slug.")
    following = serializers.BooleanField()
    followers_count = serializers.IntegerField()


class AuthorFollowView(GenericAPIView):
    """Follow (POST) or stop following (DELETE) an author record. Both are safe to repeat: POST
    answers 201 when it created the follow and 200 when it already existed."""

    permission_classes = [IsAuthenticated, VerifiedEmailForWrites]
    serializer_class = FollowStateSerializer

    def _answer(self, author: Author, *, following: bool, status_code: int) -> Response:
        answered = cast("AuthorWithFollowing", author)  # the same instance, given `following`
        answered.following = following
        return Response(self.get_serializer(answered).data, status=status_code)

    @extend_schema(
        operation_id="authors_follow",
        request=None,
        parameters=[SLUG_PARAMETER],
        responses={200: FollowStateSerializer, 201: FollowStateSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        author = public_author_get(slug=slug)
        created = follow_author(user=request.user, author=author)
        return self._answer(author, following=True, status_code=201 if created else 200)

    @extend_schema(
        operation_id="authors_unfollow",
        request=None,
        parameters=[SLUG_PARAMETER],
        responses={200: FollowStateSerializer},
    )
    def delete(self, request: Request, slug: str) -> Response:
        author = author_get(slug=slug)
        unfollow_author(user=request.user, author=author)
        return self._answer(author, following=False, status_code=200)


class FollowSerializer(serializers.Serializer):
    author = AuthorListItemSerializer()
    followed_at = serializers.DateTimeField(source="created_at")


class MyFollowsView(GenericAPIView):
    """The author records you follow, most recently followed first."""

    permission_classes = [IsAuthenticated, VerifiedEmailForWrites]
    serializer_class = FollowSerializer
    pagination_class = Cursor  # newest first by id

    @extend_schema(operation_id="me_follows_list", responses=FollowSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(follows_page_of_user(user_id=request.user.pk))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ClaimEvidenceSerializer(serializers.Serializer):
    """At least one of these. An ORCID iD proven by ORCID sign-in, or a verified e-mail address
    whose registrable domain the curators recorded for an institution of the record, approves at
    once (L3). Listed works must be on BZPEER."""

    orcid = serializers.CharField(required=False, max_length=40)
    email = serializers.CharField(required=False, max_length=254)
    message = serializers.CharField(required=False, max_length=2000, help_text="To the curators.")
    works = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=200,
        help_text="arXiv ids of works on the record that are yours.",
    )


class ClaimCreateSerializer(serializers.Serializer):
    author = serializers.RegexField(
        rf"^{SLUG_PATTERN}$", max_length=320, help_text="Slug of the author record you claim."
    )
    evidence = ClaimEvidenceSerializer()


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = AuthorSummarySerializer()
    state = serializers.ChoiceField(choices=ClaimState.choices)
    evidence = serializers.JSONField()
    evidence_level = serializers.IntegerField(help_text="The level the evidence proves.")
    level = serializers.IntegerField(
        help_text="The level the claim stands at: what an approval granted (a curator's: 4), "
        "else the evidence level."
    )
    reason = serializers.CharField(help_text="Why a curator rejected it.")
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    withdraw_url = serializers.SerializerMethodField()

    def get_withdraw_url(self, claim: Claim) -> str:
        return link("api:claim-withdraw", claim_id=claim.pk)


class MyClaimsView(GenericAPIView):
    """Your claims (GET, newest first), or claim an author record (POST). You need a verified
    e-mail address; strong evidence on an unclaimed record approves at once, otherwise the claim
    waits for a curator. The same limits as the claim form apply (claims per hour, claims
    waiting at once); over the hourly one, 429 with Retry-After."""

    permission_classes = [IsAuthenticated, VerifiedEmailForWrites]
    serializer_class = ClaimSerializer
    pagination_class = Cursor
    parser_classes = [JSONParser]  # evidence is a nested object

    @extend_schema(operation_id="me_claims_list", responses=ClaimSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(claims_page_of_user(user_id=request.user.pk))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="me_claims_create",
        request=ClaimCreateSerializer,
        responses={201: ClaimSerializer},
    )
    def post(self, request: Request) -> Response:
        given = ClaimCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        author = author_get(slug=given.validated_data["author"])
        try:
            claim = claim_create(
                user=request.user, author=author, evidence=dict(given.validated_data["evidence"])
            )
        except RateLimited as exc:
            raise exceptions.Throttled(wait=exc.retry_after, detail=str(exc)) from None
        return Response(self.get_serializer(claim).data, status=201)


class ClaimWithdrawView(GenericAPIView):
    """Withdraw your pending claim, or give up your approved one (the record becomes unclaimed)."""

    permission_classes = [IsAuthenticated, VerifiedEmailForWrites]
    serializer_class = ClaimSerializer

    @extend_schema(
        operation_id="me_claims_withdraw", request=None, responses={200: ClaimSerializer}
    )
    def post(self, request: Request, claim_id: int) -> Response:
        claim = claim_withdraw(user=request.user, claim=claim_get(claim_id=int(claim_id)))
        return Response(self.get_serializer(claim).data)


# --- Token authentication -------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Your user name or e-mail address.")
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(APIView):
    """POST username (or e-mail) and password, get the user's API token (send it as
    ``Authorization: Token <key>``). The same checks as the site's log-in form: the failed
    log-in limits per account and per client address, and a verified e-mail address. Wrong
    credentials are a 401, an unverified account a 403, too many failed attempts a 429."""

    # Token only (no session, so no CSRF check): this endpoint is how a client gets one.
    # It also makes wrong credentials a 401 with "WWW-Authenticate: Token".
    authentication_classes = [TokenAuthentication]
    permission_classes: list = []
    # Every request also counts against the anonymous allowance.
    throttle_classes = [AnonThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
    )
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            user = password_login(
                request._request,
                login=given.validated_data["username"],
                password=given.validated_data["password"],
            )
        except LoginRefused as refused:
            if refused.code == "throttled":
                raise exceptions.Throttled(detail=refused.message) from None
            if refused.code == "unverified":
                raise exceptions.PermissionDenied(refused.message) from None
            raise exceptions.AuthenticationFailed(refused.message) from None
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
