from django.contrib import admin
from django.urls import include, path

from bzpeer import health, views

urlpatterns = [
    path("healthz", health.livez, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    path("ping", views.ping, name="ping"),
    path("admin/", admin.site.urls),
    path("api/", include("bzpeer.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("publications.urls")),
    path("", include("profiles.urls")),
    path("", include("graph.urls")),  # /graph/ and /api/graph/slice/
]

handler404 = "bzpeer.api.not_found"
handler500 = "bzpeer.health.server_error"  # a 503 page when a dependency is down
