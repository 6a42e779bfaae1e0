"""The notices telling a follower that a record they follow was split are per-user state:
SplitNotice moves to profiles in the project's state only, its table (publications_splitnotice)
stays as it is. The catalogue drops it from its state, and moves its content type here, in
publications/0012_split_notices_moved_to_profiles."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0011_digest_items_moved_from_the_catalogue"),
        ("publications", "0011_author_search_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SplitNotice",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "author",
                            models.ForeignKey(
                                help_text="The record they followed.",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="publications.author",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="split_notices",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "publications_splitnotice",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("closed_at__isnull", True)),
                                fields=("user", "author"),
                                name="split_notice_one_open",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
