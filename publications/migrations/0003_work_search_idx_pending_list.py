"""A small pending list for the works full-text index (profiles.models.SEARCH_GIN_PENDING_KB).

ALTER INDEX ... SET changes the storage parameter in place: no rebuild, unlike the RemoveIndex +
AddIndex that Django would generate for the changed GinIndex.
"""

import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0002_authorship_covering_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX work_search_idx SET (gin_pending_list_limit = 256)",
                    "ALTER INDEX work_search_idx RESET (gin_pending_list_limit)",
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="work", name="work_search_idx"),
                migrations.AddIndex(
                    model_name="work",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"],
                        gin_pending_list_limit=256,
                        name="work_search_idx",
                    ),
                ),
            ],
        ),
    ]
