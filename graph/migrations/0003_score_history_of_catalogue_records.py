"""The score history points at the author records where they now live (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("graph", "0002_one_queue_for_flagged_records"),
        ("publications", "0008_author_records_in_the_catalogue"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="scorechange",
                    name="author",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="score_changes",
                        to="publications.author",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
