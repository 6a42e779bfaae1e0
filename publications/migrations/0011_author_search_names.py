import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models

# The search's narrow copy of the public records' name keys follows profiles_author whoever
# writes it: statement triggers for inserts and deletes (one set-based statement for the
# importer's COPY of a whole snapshot), a row trigger for the few updates that change a name key
# or whether a record is public (merges and their undo, hiding, the identity engine). The
# recompute's UPDATE of counters names none of these columns, so it queues no trigger at all.
IN_STEP = """
CREATE OR REPLACE FUNCTION bz_author_search_names_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO publications_authorsearchname (author_id, name_key)
    SELECT id, name_key FROM bz_added_authors WHERE merged_into_id IS NULL AND NOT hidden;
    RETURN NULL;
END
$$;
CREATE TRIGGER author_search_names_added
    AFTER INSERT ON profiles_author
    REFERENCING NEW TABLE AS bz_added_authors
    FOR EACH STATEMENT EXECUTE FUNCTION bz_author_search_names_added();

CREATE OR REPLACE FUNCTION bz_author_search_names_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM publications_authorsearchname s USING bz_removed_authors r
    WHERE s.author_id = r.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER author_search_names_removed
    AFTER DELETE ON profiles_author
    REFERENCING OLD TABLE AS bz_removed_authors
    FOR EACH STATEMENT EXECUTE FUNCTION bz_author_search_names_removed();

CREATE OR REPLACE FUNCTION bz_author_search_name_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.merged_into_id IS NULL AND NOT NEW.hidden THEN
        INSERT INTO publications_authorsearchname (author_id, name_key)
        VALUES (NEW.id, NEW.name_key)
        ON CONFLICT (author_id) DO UPDATE SET name_key = EXCLUDED.name_key;
    ELSE
        DELETE FROM publications_authorsearchname WHERE author_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER author_search_name_changed
    AFTER UPDATE OF name_key, merged_into_id, hidden ON profiles_author
    FOR EACH ROW
    WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key
          OR (OLD.merged_into_id IS NULL AND NOT OLD.hidden)
             IS DISTINCT FROM (NEW.merged_into_id IS NULL AND NOT NEW.hidden))
    EXECUTE FUNCTION bz_author_search_name_changed();

INSERT INTO publications_authorsearchname (author_id, name_key)
SELECT id, name_key FROM profiles_author WHERE merged_into_id IS NULL AND NOT hidden;
"""
OUT_OF_STEP = """
DROP TRIGGER IF EXISTS author_search_names_added ON profiles_author;
DROP TRIGGER IF EXISTS author_search_names_removed ON profiles_author;
DROP TRIGGER IF EXISTS author_search_name_changed ON profiles_author;
DROP FUNCTION IF EXISTS bz_author_search_names_added();
DROP FUNCTION IF EXISTS bz_author_search_names_removed();
DROP FUNCTION IF EXISTS bz_author_search_name_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0010_digest_items_moved_to_profiles"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthorSearchName",
            fields=[
                (
                    "author",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_name",
                        serialize=False,
                        to="publications.author",
                    ),
                ),
                ("name_key", models.CharField(max_length=300)),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["name_key"],
                        gin_pending_list_limit=256,
                        name="author_search_name_trgm",
                        opclasses=["gin_trgm_ops"],
                    )
                ],
            },
        ),
        migrations.RunSQL(IN_STEP, OUT_OF_STEP),
    ]
