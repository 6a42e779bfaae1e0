"""A small pending list for the author-name trigram index (profiles.models.SEARCH_GIN_PENDING_KB).

ALTER INDEX ... SET changes the storage parameter in place: no rebuild, unlike the RemoveIndex +
AddIndex that Django would generate for the changed GinIndex.
"""

import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0003_issue7_curation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX author_name_key_trgm SET (gin_pending_list_limit = 256)",
                    "ALTER INDEX author_name_key_trgm RESET (gin_pending_list_limit)",
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="author", name="author_name_key_trgm"),
                migrations.AddIndex(
                    model_name="author",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["name_key"],
                        gin_pending_list_limit=256,
                        name="author_name_key_trgm",
                        opclasses=["gin_trgm_ops"],
                    ),
                ),
            ],
        ),
    ]
