from django.contrib import admin
from django.urls import include, path

from bzpeer import health, views
from profiles.logins import AdminLoginForm

# The admin's log-in form counts in the site's failed-log-in limits (profiles/logins.py).
admin.site.login_form = AdminLoginForm

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

# Error pages in the site's layout; JSON under /api/ (bzpeer/errors.py). A 500 caused by an
# unreachable database or Redis is the 503 page (bzpeer/health.py).
handler400 = "bzpeer.errors.bad_request"
handler403 = "bzpeer.errors.permission_denied"
handler404 = "bzpeer.errors.page_not_found"
handler500 = "bzpeer.health.server_error"
handler429 = "bzpeer.errors.too_many_requests"  # read by allauth's rate limits
