"""schemathesis against the live OpenAPI schema of a test server holding real arXiv records: no
server errors, no answer that breaks the schema, invalid input rejected, valid input accepted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import import_more, import_small

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def fuzzable_server(live_server, settings):
    """The live server with real data and throttles out of the way (they are tested on their own)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    import_small()
    import_more()
    return live_server


@pytest.fixture
def token():
    """A signed-in user with a verified e-mail, so the write endpoints are fuzzed past the 401."""
    from rest_framework.authtoken.models import Token

    from tests.factories import UserFactory

    user = UserFactory(username="fuzzer")  # the factory's users have a verified address
    return Token.objects.create(user=user).key


def test_schemathesis_finds_no_failures(fuzzable_server, token, tmp_path):
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{fuzzable_server.url}/api/schema/",
            "--checks",
            "all",
            "--max-examples",
            "10",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--seed",
            "1",
            "--suppress-health-check",
            "all",
            "--no-color",
            "--header",
            f"Authorization: Token {token}",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
    assert "No issues found" in result.stdout or "passed" in result.stdout, result.stdout[-3000:]
