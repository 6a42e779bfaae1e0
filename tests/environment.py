"""A pytest plugin (loaded by ``-p tests.environment`` in pyproject.toml, before pytest-django
reads the settings): the tests run with DEBUG off, like production, so they need a secret key.
This one is for tests only; a key set in the environment wins."""

import os

os.environ.setdefault("BZPEER_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
