"""Fixtures shared by the curation tests."""

import pytest

from tests.factories import CuratorFactory


@pytest.fixture
def curator():
    """Staff in the "curators" group (made by the post-migrate hook), not a superuser."""
    return CuratorFactory(username="curator")
