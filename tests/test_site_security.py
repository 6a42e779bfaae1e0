"""Site-wide defences: the secret key at start-up, `check --deploy` with the production
environment of the README, the Content-Security-Policy, NUL characters in any input, the JSON-only
API, ORCID when it is not configured, and the error pages in the site's layout."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client
from rest_framework.test import APIClient

from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, UserFactory

ROOT = Path(__file__).resolve().parents[1]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """manage.py in a fresh process with exactly the BZPEER_* variables given (plus the database
    and Redis of this test run, which settings need to load)."""
    # Not what the test run itself sets either (the browser tests allow async-unsafe calls).
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BZPEER_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Start-up and deployment settings ---------------------------------------------------------


def test_the_public_development_key_is_refused_with_debug_off():
    refused = run_manage("check", env={"BZPEER_ALLOW_INSECURE_KEY": "1"})
    assert refused.returncode != 0
    assert "BZPEER_SECRET_KEY is not set" in refused.stderr
    assert "BZPEER_ALLOW_INSECURE_KEY" in refused.stderr
    # Development mode may use it; a real key works with DEBUG off.
    assert run_manage("check", env={"BZPEER_DEBUG": "1"}).returncode == 0
    assert run_manage("check", env={"BZPEER_SECRET_KEY": "k" * 60}).returncode == 0


def production_environment() -> dict[str, str]:
    """The environment block of README.md's Security section, with a real key."""
    readme = (ROOT / "README.md").read_text()
    security = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    block = security.split("Production environment:", 1)[1].split("```sh\n", 1)[1].split("```")[0]
    env = dict(line.split("=", 1) for line in block.splitlines() if line.strip())
    assert env["BZPEER_SECRET_KEY"].startswith("<")  # a placeholder in the README
    env["BZPEER_SECRET_KEY"] = base64.b64encode(os.urandom(48)).decode()
    return env


def test_check_deploy_is_clean_with_the_documented_production_environment():
    env = production_environment()
    assert {"BZPEER_SECURE_SSL_REDIRECT", "BZPEER_HSTS_SECONDS", "BZPEER_SECURE_COOKIES"} <= set(
        env
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_the_https_settings():
    env = production_environment()
    for name in ("BZPEER_SECURE_SSL_REDIRECT", "BZPEER_HSTS_SECONDS", "BZPEER_SECURE_COOKIES"):
        del env[name]
    result = run_manage("check", "--deploy", env=env)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout, warning


def test_the_proxy_settings_come_from_the_environment():
    env = {**production_environment(), "BZPEER_TRUSTED_PROXIES": "2"}
    result = run_manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; from rest_framework.settings import api_settings;"
        "print(s.SECURE_PROXY_SSL_HEADER, s.ALLAUTH_TRUSTED_PROXY_COUNT, api_settings.NUM_PROXIES,"
        " s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        env=env,
    )
    assert result.stdout.split() == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "2",
        "2",
        "31536000",
        "True",
        "True",
    ], result.stderr


# --- Content-Security-Policy ------------------------------------------------------------------


@pytest.fixture
def imported(db):
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    import_path(ARXIV / "abs-current-30.jsonl")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search/?q=richard",
        "/works/0704.0716/",
        "/authors/christoph-richard/",
        "/graph/?author=christoph-richard",
        "/api/docs/",
        "/api/redoc/",
        "/accounts/login/",
        "/nowhere/",
    ],
)
def test_every_page_sends_a_policy_that_allows_only_this_site(client, imported, path):
    response = client.get(path)
    assert response.status_code == (404 if path == "/nowhere/" else 200)
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    if path == "/api/redoc/":  # Redoc's page alone: its generated styles and search worker
        assert directives.pop("style-src") == ["'self'", "'unsafe-inline'"]
        assert directives.pop("worker-src") == ["'self'", "blob:"]
        policy = "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())
    for name in ("default-src", "script-src", "style-src", "connect-src", "font-src", "img-src"):
        assert set(directives.get(name, ["'self'"])) <= {"'self'", "data:"}, (
            name,
            directives[name],
        )
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    if response.status_code == 200 and "text/html" in response["Content-Type"]:
        html = response.content.decode()
        # Nothing the policy would block: no inline script (JSON data blocks are not run),
        # no inline style, nothing from another host.
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script or 'type="application/json"' in script, script
        assert "<style" not in html and " style=" not in html
        assert "fonts.googleapis.com" not in html
        assert not re.search(r'src="(https?:)?//', html)
        assert not re.search(r'<link\b[^>]*href="(https?:)?//', html)


# --- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/search/?q=%00",
        "/search/?q=a%00b",
        "/authors/%00/",
        "/authors/a%00b/feed/",
        "/works/%00/",
        "/graph/?author=%00",
        "/graph/?q=%00",
        "/topics/%00/",
        "/following/feed/%00/",
        "/authors/christoph-richard/?page=%00",
        "/?%00=x",
    ],
)
def test_nul_in_the_address_is_a_400_page(client, imported, path):
    response = client.get(path)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bad request" in html and 'class="site-search"' in html


@pytest.mark.parametrize(
    "path", ["/api/authors/%00/", "/api/works/?category=%00", "/api/graph/slice/?author=%00"]
)
def test_nul_in_an_api_address_is_a_400_with_the_error_body(imported, path):
    response = APIClient().get(path)
    assert response.status_code == 400
    assert response.json()["status"] == 400 and response.json()["code"] == "invalid"


def _cursor(position: str) -> str:
    return quote(base64.b64encode(f"p={position}".encode()).decode())


@pytest.mark.parametrize(
    "path",
    ["/api/works/", "/api/authors/", "/api/topics/", "/api/authors/christoph-richard/works/"],
)
@pytest.mark.parametrize("position", ["\x00", "a\x00", "not-a-number", "9" * 30, "garbage"])
def test_forged_api_cursors_are_a_400(imported, path, position):
    """Works and authors are ordered by dates and ids: only real positions pass. Topics are
    ordered by code, where any text without NUL is a position (and answers a page)."""
    cursor = _cursor(position) if position != "garbage" else "garbage"
    response = APIClient().get(f"{path}?cursor={cursor}")
    if path == "/api/topics/" and "\x00" not in position and position != "garbage":
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()["errors"]


@pytest.mark.django_db
def test_nul_in_form_fields_is_refused_before_any_view():
    author = AuthorFactory()
    user = UserFactory()
    client = Client()
    login = client.post("/accounts/login/", {"login": "a\x00", "password": "x"})
    assert login.status_code == 400
    client.force_login(user)
    for path, data in [
        (f"/authors/{author.slug}/claim/", {"message": "mine\x00"}),
        (f"/authors/{author.slug}/invite/", {"message": "\x00"}),
        ("/accounts/email/", {"email": "x\x00@example.org", "action_add": ""}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 400, path
        assert 'class="site-search"' in response.content.decode()
    # The test client sends multipart forms; browsers mostly send urlencoded ones.
    urlencoded = client.post(
        f"/authors/{author.slug}/claim/",
        "message=mine%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert urlencoded.status_code == 400
    assert not author.claims.exists()


@pytest.mark.django_db
def test_nul_in_api_json_is_a_400_naming_the_field():
    author = AuthorFactory()
    api = APIClient()
    api.force_login(UserFactory())
    response = api.post(
        "/api/me/claims/", {"author": author.slug, "evidence": {"message": "a\x00"}}, format="json"
    )
    assert response.status_code == 400 and "evidence" in response.json()["errors"]
    token = APIClient().post(
        "/api/auth/token/", {"username": "a\x00", "password": "x"}, format="json"
    )
    assert token.status_code == 400 and "username" in token.json()["errors"]


# --- The API answers JSON only ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/works/",
        "/api/authors/",
        "/api/topics/",
        "/api/authors/christoph-richard/works/",
        "/api/works/0704.0716/",
    ],
)
def test_asking_the_api_for_html_is_a_406_not_a_500(imported, path):
    client = APIClient()
    for response in (client.get(path, HTTP_ACCEPT="text/html"), client.get(f"{path}?format=api")):
        assert response.status_code == 406, response.content
        assert response["Content-Type"].startswith("application/json")
        assert "JSON" in response.json()["detail"]
    # What browsers send (text/html first, then */*) gets JSON.
    browser = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser.status_code == 200 and browser["Content-Type"].startswith("application/json")


# --- ORCID when it is not configured ----------------------------------------------------------


@pytest.mark.django_db
def test_orcid_sign_in_is_a_404_and_not_offered_when_not_configured(client):
    for path in (
        "/accounts/orcid/login/",
        "/accounts/orcid/login/?process=connect",
        "/accounts/orcid/login/callback/?code=x&state=y",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
    author = AuthorFactory()
    client.force_login(UserFactory())
    assert client.post("/accounts/orcid/login/?process=connect").status_code == 404
    form = client.get(f"/authors/{author.slug}/claim/").content.decode()
    assert "/accounts/orcid/login/" not in form and "Connect ORCID" not in form


@pytest.mark.django_db
def test_orcid_connect_is_offered_when_configured(client, settings):
    settings.BZPEER_ORCID_ENABLED = True
    author = AuthorFactory()
    client.force_login(UserFactory())
    assert "Connect ORCID" in client.get(f"/authors/{author.slug}/claim/").content.decode()


# --- Error pages in the site's layout ---------------------------------------------------------


def in_layout(html: str) -> bool:
    return 'class="site-header"' in html and 'class="site-search"' in html and "site-footer" in html


@pytest.mark.django_db
def test_404_and_403_pages_use_the_layout(client):
    missing = client.get("/authors/nobody-at-all/")
    assert missing.status_code == 404 and in_layout(missing.content.decode())
    assert "Page not found" in missing.content.decode()
    owner_only = AuthorFactory()
    user = UserFactory(username="reader")
    client.force_login(user)
    refused = client.get(f"/authors/{owner_only.slug}/edit/")
    html = refused.content.decode()
    assert refused.status_code == 403 and in_layout(html)
    assert "Only the owner of this author record can change it." in html
    assert "Log out reader" in html  # the request's context: the header knows who is signed in


@pytest.mark.django_db
def test_429_pages_use_the_layout(client, settings):
    settings.BZPEER_RATE_INVITE = "1/h"
    owned = AuthorFactory()
    Author.objects.filter(pk=owned.pk).update(claimed_by=UserFactory())
    client.force_login(UserFactory())
    client.post(f"/authors/{owned.slug}/invite/", {"message": "one"})
    limited = client.post(f"/authors/{owned.slug}/invite/", {"message": "two"})
    assert limited.status_code == 429 and in_layout(limited.content.decode())
    assert "too many invitations" in limited.content.decode()
    # allauth's own limits answer the same page.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/m/ip"}
    visitor = Client()
    for n in range(2):
        signup = visitor.post("/accounts/signup/", {"email": f"new{n}@example.org"})
    assert signup.status_code == 429 and in_layout(signup.content.decode())


@pytest.mark.django_db
def test_500_page_uses_the_layout_without_the_request_context(monkeypatch):
    import publications.views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(publications.views, "render", broken)
    response = Client(raise_request_exception=False).get("/")
    html = response.content.decode()
    assert response.status_code == 500 and in_layout(html) and "Something went wrong" in html
    assert "boom" not in html


def test_500_page_renders_when_the_request_itself_is_broken(rf):
    from bzpeer.errors import server_error

    class BrokenSession:
        def __getattr__(self, name):
            raise RuntimeError("session store unreachable")

    request = rf.get("/authors/x/")
    request.session = BrokenSession()
    response = server_error(request)
    assert response.status_code == 500 and in_layout(response.content.decode())


@pytest.mark.django_db
def test_api_errors_keep_their_json_body():
    api = APIClient()
    for path, status in [("/api/nothing-here/", 404), ("/api/authors/nobody/", 404)]:
        response = api.get(path)
        assert response.status_code == status and response.json()["status"] == status
    refused = api.post("/api/me/claims/", {}, format="json")
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_the_403_page_in_the_layout():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "x"})
    html = response.content.decode()
    assert response.status_code == 403 and in_layout(html) and "The form expired" in html
