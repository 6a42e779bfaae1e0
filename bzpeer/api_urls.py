"""Routes of the REST API, included at /api/ (namespace "api"). Path patterns are regular
expressions so that the OpenAPI schema states what each path parameter may look like."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from profiles import api as profiles_api
from profiles.api import SLUG_PATTERN
from publications import api as publications_api
from publications.api import ARXIV_ID_PATTERN, TOPIC_PATTERN

SLUG = rf"(?P<slug>{SLUG_PATTERN})"
ARXIV_ID = rf"(?P<arxiv_id>{ARXIV_ID_PATTERN})"
TOPIC = rf"(?P<code>{TOPIC_PATTERN})"

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ?script: no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Redoc builds its styles in <style> elements and its search index in a worker from a blob:
    # its page (which shows nothing but the schema) allows both; every other page keeps the
    # strict policy. Its "by Redocly" logo from another host stays blocked.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
    path("auth/token/", profiles_api.ObtainTokenView.as_view(), name="token"),
    path("authors/", profiles_api.AuthorListView.as_view(), name="authors"),
    re_path(rf"^authors/{SLUG}/$", profiles_api.AuthorDetailView.as_view(), name="author"),
    re_path(
        rf"^authors/{SLUG}/works/$",
        publications_api.AuthorWorksView.as_view(),
        name="author-works",
    ),
    re_path(rf"^authors/{SLUG}/follow/$", profiles_api.AuthorFollowView.as_view(), name="follow"),
    path("me/follows/", profiles_api.MyFollowsView.as_view(), name="my-follows"),
    path("me/claims/", profiles_api.MyClaimsView.as_view(), name="my-claims"),
    path(
        "me/claims/<int:claim_id>/withdraw/",
        profiles_api.ClaimWithdrawView.as_view(),
        name="claim-withdraw",
    ),
    path("works/", publications_api.WorkListView.as_view(), name="works"),
    re_path(rf"^works/{ARXIV_ID}/$", publications_api.WorkDetailView.as_view(), name="work"),
    re_path(
        rf"^works/{ARXIV_ID}/authors/$",
        publications_api.WorkAuthorsView.as_view(),
        name="work-authors",
    ),
    path("topics/", publications_api.TopicListView.as_view(), name="topics"),
    re_path(rf"^topics/{TOPIC}/$", publications_api.TopicDetailView.as_view(), name="topic"),
]
