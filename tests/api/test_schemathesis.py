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


def test_schemathesis_finds_no_failures(fuzzable_server, tmp_path):
    result = subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{fuzzable_server.url}/api/schema/",
            "--checks", "all",
            "--max-examples", "25",
            "--phases", "examples,coverage,fuzzing",
            "--workers", "1",
            "--request-timeout", "20",
            "--seed", "1",
            "--suppress-health-check", "all",
            "--no-color",
        ],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
    assert "No issues found" in result.stdout or "passed" in result.stdout, result.stdout[-3000:]
