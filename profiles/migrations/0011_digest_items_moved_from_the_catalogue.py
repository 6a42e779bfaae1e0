"""The works sent to each user in e-mail digests are per-user state: DigestItem moves to profiles
in the project's state only, its table (publications_digestitem) stays as it is. The catalogue
drops it from its state, and moves its content type here, in
publications/0010_digest_items_moved_to_profiles."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0010_author_records_moved_to_the_catalogue"),
        ("publications", "0009_identity_reviews_and_split_notices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DigestItem",
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
                        ("sent_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="digest_items",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "work",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="publications.work",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "publications_digestitem",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "work"), name="digest_item_once_per_user_work"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
