from django.contrib import admin
from django.urls import include, path

from bzpeer import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("admin/", admin.site.urls),
    path("api/", include("bzpeer.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("publications.urls")),
    path("", include("profiles.urls")),
    path("", include("graph.urls")),  # /graph/ and /api/graph/slice/
]

handler404 = "bzpeer.api.not_found"
handler500 = "bzpeer.api.server_error"
