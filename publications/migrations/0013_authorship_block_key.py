from django.db import migrations, models

# A row whose printed name changes loses its block key (set to NULL unless the writer set the new
# one in the same statement, as the importer does): the identity engine computes it again on its
# next pass, so a block's rows are never read under another block's key. Inserts cost nothing:
# a writer that does not name the column leaves it NULL. Rows stored before this migration are
# keyed by the engine's next pass the same way.
CLEAR_ON_RENAME = """
CREATE OR REPLACE FUNCTION bz_authorship_block_key_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.printed_name IS DISTINCT FROM OLD.printed_name
       AND NEW.block_key IS NOT DISTINCT FROM OLD.block_key THEN
        NEW.block_key := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER authorship_block_key_stale
    BEFORE UPDATE OF printed_name ON publications_authorship
    FOR EACH ROW EXECUTE FUNCTION bz_authorship_block_key_stale();
"""
DROP = """
DROP TRIGGER IF EXISTS authorship_block_key_stale ON publications_authorship;
DROP FUNCTION IF EXISTS bz_authorship_block_key_stale();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0012_split_notices_moved_to_profiles"),
    ]

    operations = [
        migrations.AddField(
            model_name="authorship",
            name="block_key",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="authorship",
            index=models.Index(fields=["block_key", "work"], name="authorship_block_idx"),
        ),
        migrations.AddIndex(
            model_name="authorship",
            index=models.Index(
                condition=models.Q(("block_key", None)),
                fields=["id"],
                name="authorship_block_missing_idx",
            ),
        ),
        migrations.RunSQL(CLEAR_ON_RENAME, DROP),
    ]
