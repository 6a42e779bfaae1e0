"""Moving models between apps keeps every row: the author records into the catalogue, and the
works sent in e-mail digests (DigestItem) and the followers' notices of a split (SplitNotice) out
of it into profiles.

A database is migrated to the layout before the moves (author records, institutions and the audit
log in profiles, the digest items in publications), filled through the importer with real arXiv
records plus a claim, a follow, an invitation, a curation event, score history and a digest item;
then to the layout just before the split notices move (their table is younger than the first
moves), where split notices are added; then to the current layout: every table of the three apps
keeps its row count and a checksum of its rows, and the content types (with the permissions people
and groups hold) move to their new app.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from publications.services import import_path
from tests.conftest import ARXIV

# The last migrations before the move.
BEFORE = [
    ("profiles", "0009_author_homepage"),
    ("publications", "0007_identity_decisions"),
    ("graph", "0002_one_queue_for_flagged_records"),
]
# The last migrations before the split notices move to profiles.
BEFORE_SPLIT_NOTICES = [
    ("profiles", "0011_digest_items_moved_from_the_catalogue"),
    ("publications", "0011_author_search_names"),
]
MOVED = {
    ("profiles", "author"): ("publications", "author"),
    ("profiles", "institution"): ("publications", "institution"),
    ("profiles", "curationevent"): ("publications", "curationevent"),
    ("profiles", "flaggedauthor"): ("publications", "maycombineseveralrecord"),
    ("publications", "digestitem"): ("profiles", "digestitem"),
    ("publications", "splitnotice"): ("profiles", "splitnotice"),
}


def _tables() -> list[str]:
    return sorted(
        t
        for t in connection.introspection.table_names()
        if t.split("_", 1)[0] in {"profiles", "publications", "graph"}
    )


def _columns() -> dict[str, list[str]]:
    """The columns of every table of the three apps, as the database has them now."""
    with connection.cursor() as cursor:
        return {
            table: [c.name for c in connection.introspection.get_table_description(cursor, table)]
            for table in _tables()
        }


def _fingerprint(columns: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Per table: the row count and an md5 of every row's text (over the given columns: those of
    the layout before the move, so that later migrations adding a column or a table do not count as
    a change), in a fixed order. A table that is gone fails the query."""
    found = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, names in columns.items():
            row = "ROW(" + ", ".join(quote(n) for n in names) + ")::text"
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg({row}, '|' ORDER BY {row}), '')) "
                f"FROM {quote(table)}"
            )
            found[table] = tuple(cursor.fetchone())
    return found


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _fill(apps) -> None:
    """Real records through the importer (its SQL names the tables, the same before and after),
    then one row of every other moved or repointed table through the models of that state.
    Counters and scores are not recomputed after the import: today's recompute reads columns
    (the identity engine's assessment) that the older schema does not have yet."""
    with override_settings(BZPEER_SCORES_ON_CHANGE=False):
        import_path(ARXIV / "astro-ph-coauthors.jsonl")
    User = apps.get_model("auth", "User")
    Author = apps.get_model("profiles", "Author")
    Institution = apps.get_model("profiles", "Institution")
    owner = User.objects.create(username="owner", email="owner@example.org")
    fan = User.objects.create(username="fan", email="fan@example.org")
    authors = list(Author.objects.order_by("id")[:3])
    assert len(authors) == 3
    institution = Institution.objects.create(name="Penn State", name_key="penn state")
    Author.objects.filter(pk=authors[0].pk).update(
        claimed_by=owner, verification_level=3, institution=institution, bio="Stars."
    )
    apps.get_model("profiles", "InstitutionDomain").objects.create(
        institution=institution, domain="psu.edu"
    )
    apps.get_model("profiles", "Claim").objects.create(
        user=owner, author=authors[0], state="approved", evidence_level=3, granted_level=3
    )
    apps.get_model("profiles", "Follow").objects.create(user=fan, author=authors[0])
    apps.get_model("profiles", "CollaborationInvitation").objects.create(
        sender=fan, author=authors[0], receiver=owner, message="Shall we?"
    )
    apps.get_model("profiles", "InvitationBlock").objects.create(blocker=owner, blocked=fan)
    apps.get_model("profiles", "DigestSubscription").objects.create(user=fan, frequency="weekly")
    apps.get_model("profiles", "FollowingFeedKey").objects.create(user=fan, key="k" * 40)
    apps.get_model("profiles", "CurationEvent").objects.create(
        actor=owner,
        action="edit",
        target_type="author",
        target_id=str(authors[0].pk),
        author=authors[0],
        before={"bio": ""},
        after={"bio": "Stars."},
    )
    apps.get_model("graph", "ScoreChange").objects.create(
        author=authors[1], score=12, previous_score=None, tier="Emerging", formula_version=1
    )
    apps.get_model("publications", "IdentityDecision").objects.create(
        kind="proposal",
        author=authors[1],
        records=[authors[1].pk, authors[2].pk],
        reason="same name, shared co-authors",
        confidence=0.5,
    )
    apps.get_model("publications", "DigestItem").objects.create(
        user=fan,
        work=apps.get_model("publications", "Work").objects.first(),
        sent_at=timezone.now(),
    )


def _fill_split_notices(apps) -> None:
    """A follower's open notice of a split and one they closed (the table exists from
    publications/0009 on)."""
    User = apps.get_model("auth", "User")
    Author = apps.get_model("publications", "Author")
    SplitNotice = apps.get_model("publications", "SplitNotice")
    fan = User.objects.get(username="fan")
    authors = list(Author.objects.order_by("id")[:2])
    SplitNotice.objects.create(user=fan, author=authors[0])
    SplitNotice.objects.create(user=fan, author=authors[1], closed_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_moving_models_between_apps_keeps_every_row():
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = _migrate(BEFORE)
        before_apps = executor.loader.project_state(BEFORE).apps
        _fill(before_apps)
        ContentType.objects.clear_cache()
        for app_label, model in MOVED:
            ContentType.objects.get_or_create(app_label=app_label, model=model)
        old_ct = ContentType.objects.get(app_label="profiles", model="author")
        curate, _ = Permission.objects.get_or_create(
            content_type=old_ct,
            codename="curate_author",
            defaults={"name": "Can curate author records"},
        )
        group = Group.objects.create(name="curators of the test")
        group.permissions.add(curate)
        digest_ct = ContentType.objects.get(app_label="publications", model="digestitem")
        view_digests, _ = Permission.objects.get_or_create(
            content_type=digest_ct,
            codename="view_digestitem",
            defaults={"name": "Can view digest item"},
        )
        readers = Group.objects.create(name="digest readers of the test")
        readers.permissions.add(view_digests)
        # Every table the move concerns has rows to keep.
        columns = _columns()
        before = _fingerprint(columns)
        for table in [
            "profiles_author",
            "profiles_institution",
            "profiles_institutiondomain",
            "profiles_curationevent",
            "profiles_claim",
            "profiles_follow",
            "profiles_collaborationinvitation",
            "publications_authorship",
            "publications_identitydecision",
            "publications_digestitem",
            "graph_scorechange",
        ]:
            assert before[table][0] > 0, table

        # The split notices' table comes later: filled, with a permission on them, at the layout
        # just before they move.
        executor = _migrate(BEFORE_SPLIT_NOTICES)
        _fill_split_notices(executor.loader.project_state(BEFORE_SPLIT_NOTICES).apps)
        ContentType.objects.clear_cache()
        notices_ct, _ = ContentType.objects.get_or_create(
            app_label="publications", model="splitnotice"
        )
        change_notices, _ = Permission.objects.get_or_create(
            content_type=notices_ct,
            codename="change_splitnotice",
            defaults={"name": "Can change split notice"},
        )
        notice_keepers = Group.objects.create(name="split notice keepers of the test")
        notice_keepers.permissions.add(change_notices)
        notice_columns = {
            t: names for t, names in _columns().items() if t == "publications_splitnotice"
        }
        before_notices = _fingerprint(notice_columns)
        assert before_notices["publications_splitnotice"][0] == 2

        _migrate(latest)

        assert _fingerprint(columns) == before
        assert _fingerprint(notice_columns) == before_notices
        ContentType.objects.clear_cache()
        for (old_app, old_model), (new_app, new_model) in MOVED.items():
            assert not ContentType.objects.filter(app_label=old_app, model=old_model).exists()
            assert ContentType.objects.filter(app_label=new_app, model=new_model).exists()
        moved = Permission.objects.get(pk=curate.pk)
        assert (moved.content_type.app_label, moved.codename) == ("publications", "curate_author")
        assert list(group.permissions.all()) == [moved]
        moved = Permission.objects.get(pk=view_digests.pk)
        assert (moved.content_type.app_label, moved.codename) == ("profiles", "view_digestitem")
        assert list(readers.permissions.all()) == [moved]
        moved = Permission.objects.get(pk=change_notices.pk)
        assert (moved.content_type.app_label, moved.codename) == ("profiles", "change_splitnotice")
        assert list(notice_keepers.permissions.all()) == [moved]
        # The moved records read through today's models.
        from publications.models import Author, CurationEvent

        assert Author.objects.filter(claimed_by__username="owner").count() == 1
        assert CurationEvent.objects.get().after == {"bio": "Stars."}
        from profiles.models import DigestItem

        assert DigestItem.objects.get().user.username == "fan"
        from profiles.models import SplitNotice

        assert SplitNotice.objects.get(closed_at=None).user.username == "fan"
        assert SplitNotice.objects.count() == 2
    finally:
        _migrate(latest)
