"""A pytest plugin (loaded by ``-p tests.environment`` in pyproject.toml, before pytest-django
reads the settings): the tests run with DEBUG off, like production, so they need a secret key.
This one is for tests only; a key set in the environment wins. Without DATABASE_URL the tests use
the embedded PostgreSQL under .data/, started here (the settings start nothing)."""

import os

from bzpeer.embedded_db import use_embedded_if_unset

os.environ.setdefault("BZPEER_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
# Imports leave records by name key in tests, as the tests of every area expect: the identity
# pass that ends an import is tested where it is turned on (tests/identity/test_pipeline.py).
os.environ.setdefault("BZPEER_IDENTITY_ON_IMPORT", "0")
use_embedded_if_unset()
