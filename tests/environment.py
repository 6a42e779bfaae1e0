"""A pytest plugin (loaded by ``-p tests.environment`` in pyproject.toml, before pytest-django
reads the settings): the tests run with DEBUG off, like production, so they need a secret key.
This one is for tests only; a key set in the environment wins. Without DATABASE_URL the tests use
the embedded PostgreSQL under .data/, started here (the settings start nothing)."""

import os

from bzpeer.embedded_db import use_embedded_if_unset

os.environ.setdefault("BZPEER_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
use_embedded_if_unset()
