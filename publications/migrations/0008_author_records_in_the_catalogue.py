"""The author records, their institutions and the audit log join the catalogue: in the project's
state only, their tables (profiles_author, profiles_institution, profiles_curationevent) stay as
they are. The flagged-records proxy takes the catalogue's name for the concept."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0009_author_homepage"),
        ("publications", "0007_identity_decisions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Institution",
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
                        ("name", models.CharField(max_length=500)),
                        ("name_key", models.CharField(max_length=500, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "profiles_institution",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="Author",
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
                        ("display_name", models.CharField(max_length=300)),
                        ("name_key", models.CharField(max_length=300)),
                        (
                            "name_variants",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=300),
                                blank=True,
                                default=list,
                                size=None,
                            ),
                        ),
                        ("slug", models.SlugField(allow_unicode=True, max_length=320, unique=True)),
                        ("receives_imports", models.BooleanField(default=True)),
                        ("bio", models.TextField(blank=True)),
                        ("homepage", models.URLField(blank=True, db_default="", max_length=500)),
                        ("open_to_collaborate", models.BooleanField(default=False)),
                        (
                            "verification_level",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "L0 · no public source"),
                                    (1, "L1 · imported from arXiv, unclaimed"),
                                    (2, "L2 · claimed, verified e-mail"),
                                    (3, "L3 · claimed with strong evidence"),
                                    (4, "L4 · confirmed by a curator"),
                                ],
                                default=1,
                            ),
                        ),
                        ("hidden", models.BooleanField(db_default=False, default=False)),
                        ("hidden_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "may_combine_several",
                            models.BooleanField(
                                default=False,
                                help_text="Computed by the recompute: the record's works look like several people's.",
                            ),
                        ),
                        (
                            "several_decision",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "not reviewed: the recompute decides"),
                                    ("one", "one researcher: flag cleared by a curator"),
                                    ("several", "several researchers: flagged by a curator"),
                                ],
                                db_default="",
                                default="",
                                help_text="A curator's decision about the flag; it outranks the recompute.",
                                max_length=10,
                            ),
                        ),
                        ("works_count", models.PositiveIntegerField(default=0)),
                        ("followers_count", models.PositiveIntegerField(default=0)),
                        ("topics_count", models.PositiveIntegerField(default=0)),
                        ("close_collaborators_count", models.PositiveIntegerField(default=0)),
                        ("verified_collaborators_count", models.PositiveIntegerField(default=0)),
                        ("first_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("last_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("trust_score", models.PositiveSmallIntegerField(default=0)),
                        ("trust_tier", models.CharField(default="Emerging", max_length=20)),
                        ("trust_formula_version", models.PositiveSmallIntegerField(default=0)),
                        ("trust_components", models.JSONField(blank=True, default=dict)),
                        ("scored_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "claimed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="claimed_authors",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "merged_into",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="merged_records",
                                to="publications.author",
                            ),
                        ),
                        (
                            "institution",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="authors",
                                to="publications.institution",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "profiles_author",
                        "permissions": [
                            (
                                "curate_author",
                                "Can curate author records (merge, split, review claims, hide works)",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="MayCombineSeveralRecord",
                    fields=[],
                    options={
                        "verbose_name": "record that may combine several researchers",
                        "verbose_name_plural": "records that may combine several researchers",
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("publications.author",),
                ),
                migrations.AlterField(
                    model_name="authorship",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="authorships",
                        to="publications.author",
                    ),
                ),
                migrations.AlterField(
                    model_name="identitydecision",
                    name="author",
                    field=models.ForeignKey(
                        help_text="The surviving (or proposing) record.",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identity_decisions",
                        to="publications.author",
                    ),
                ),
                migrations.AlterField(
                    model_name="authorship",
                    name="institution",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="authorships",
                        to="publications.institution",
                    ),
                ),
                migrations.CreateModel(
                    name="CurationEvent",
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
                        ("action", models.CharField(max_length=50)),
                        ("target_type", models.CharField(max_length=50)),
                        ("target_id", models.CharField(max_length=100)),
                        ("before", models.JSONField(blank=True, default=dict)),
                        ("after", models.JSONField(blank=True, default=dict)),
                        ("note", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="curation_events",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "author",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="history",
                                to="publications.author",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "profiles_curationevent",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["author", "-created_at"], name="curation_author_idx"
                            ),
                            models.Index(
                                fields=["target_type", "target_id"], name="curation_target_idx"
                            ),
                        ],
                    },
                ),
                migrations.AddIndex(
                    model_name="author",
                    index=models.Index(fields=["name_key"], name="author_name_key_idx"),
                ),
                migrations.AddIndex(
                    model_name="author",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["name_key"],
                        gin_pending_list_limit=256,
                        name="author_name_key_trgm",
                        opclasses=["gin_trgm_ops"],
                    ),
                ),
                migrations.AddIndex(
                    model_name="author",
                    index=models.Index(fields=["-works_count"], name="author_works_count_idx"),
                ),
                migrations.AddIndex(
                    model_name="author",
                    index=models.Index(
                        condition=models.Q(
                            ("merged_into__isnull", True),
                            models.Q(
                                ("several_decision", "several"),
                                models.Q(("may_combine_several", True), ("several_decision", "")),
                                _connector="OR",
                            ),
                        ),
                        fields=["-works_count", "id"],
                        name="author_flagged_queue_idx",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="author",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("receives_imports", True)),
                        fields=("name_key",),
                        name="author_one_import_target_per_name_key",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="author",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("merged_into", models.F("id")), _negated=True),
                        name="author_not_merged_into_itself",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
