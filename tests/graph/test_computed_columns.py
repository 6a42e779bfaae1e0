"""Graph is the one writer of the columns it computes on author records."""

from __future__ import annotations

import pytest

from graph import services
from graph.models import AuthorStats
from profiles.follows import follow_author
from profiles.owner_edits import author_update
from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_stale_record_saved_after_a_recompute_does_not_put_old_counters_back():
    import_path(ARXIV / "astro-ph-coauthors.jsonl")
    stale = Author.objects.get(slug="joel-smoller")
    assert (stale.works_count, stale.trust_score, stale.scored_at) == (0, 0, None)
    services.recompute_all()
    fresh = Author.objects.get(pk=stale.pk)
    assert fresh.works_count == 6 and fresh.scored_at is not None

    stale.display_name = "Joel A. Smoller"
    stale.save()

    saved = Author.objects.get(pk=stale.pk)
    assert saved.display_name == "Joel A. Smoller"
    computed = {name: getattr(fresh, name) for name in Author.COMPUTED_FIELDS}
    assert {name: getattr(saved, name) for name in Author.COMPUTED_FIELDS} == computed


def test_saving_a_computed_column_by_name_is_refused():
    author = AuthorFactory()
    author.works_count = 99
    with pytest.raises(ValueError, match="computed by graph"):
        author.save(update_fields=["works_count"])
    assert Author.objects.get(pk=author.pk).works_count == 0


def test_an_owner_edit_leaves_the_counters_a_follow_just_set():
    owner, fan = UserFactory(), UserFactory()
    author = AuthorFactory(claimed_by=owner, verification_level=2)
    stale = Author.objects.get(pk=author.pk)  # read before the follow
    follow_author(user=fan, author=author)
    assert AuthorStats.objects.get(pk=author.pk).followers_count == 1
    author_update(
        user=owner, author=stale, bio="Galaxies.", affiliation="", open_to_collaborate=True
    )
    stored = Author.objects.get(pk=author.pk)
    assert (stored.bio, stored.followers_count) == ("Galaxies.", 1)


def test_graph_writes_the_computed_columns_through_its_own_model():
    author = AuthorFactory()
    AuthorStats.objects.filter(pk=author.pk).update(trust_score=40, trust_tier="Established")
    stored = Author.objects.get(pk=author.pk)
    assert (stored.trust_score, stored.trust_tier) == (40, "Established")
    assert AuthorStats.objects.get(pk=author.pk).author == stored
