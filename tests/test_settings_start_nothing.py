"""Reading the settings only reads the environment: the embedded PostgreSQL is started by the
commands that use a database (manage.py, the WSGI application, the Celery worker, the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bzpeer import embedded_db

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_settings_without_database_url_starts_no_server():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    code = (
        "import sys\n"
        "import bzpeer.settings as settings\n"
        "assert 'pgserver' not in sys.modules, 'the settings imported pgserver'\n"
        "print(repr(settings.DATABASES['default']['NAME']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "''"  # no database named, none started


def test_the_commands_start_the_embedded_server_only_without_database_url(monkeypatch):
    started: list[str] = []

    def start() -> str:
        started.append("embedded")
        return "postgresql://postgres:@/bzpeer?host=/tmp/embedded"

    monkeypatch.setattr(embedded_db, "embedded_database_url", start)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/bzpeer")
    embedded_db.use_embedded_if_unset()
    assert started == [] and os.environ["DATABASE_URL"] == "postgresql://db.example/bzpeer"

    monkeypatch.delenv("DATABASE_URL")
    embedded_db.use_embedded_if_unset()
    assert started == ["embedded"]
    assert os.environ["DATABASE_URL"] == "postgresql://postgres:@/bzpeer?host=/tmp/embedded"
