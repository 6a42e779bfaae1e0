"""The author records, institutions and audit log now live in publications (state only; the tables
stay). Their content types move with them, so permissions given to people and groups (the
curators' curate_author among them) keep working under their new app label."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (old app label, old model) → (new app label, new model, verbose name for permission names)
MOVED = [
    (("profiles", "author"), ("publications", "author", "author")),
    (("profiles", "institution"), ("publications", "institution", "institution")),
    (("profiles", "curationevent"), ("publications", "curationevent", "curation event")),
    (
        ("profiles", "flaggedauthor"),
        ("publications", "maycombineseveralrecord", "record that may combine several researchers"),
    ),
]
OLD_VERBOSE = {"flaggedauthor": "flagged author record"}


def _move(apps, pairs, verbose):
    """Give each content type its new app label and model name. When the new one already exists
    (post_migrate of a database created at the new layout, then migrated back), the old one's
    permissions are merged into it: people and groups keep what they held."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for (old_app, old_model), (new_app, new_model) in pairs:
        old = ContentType.objects.filter(app_label=old_app, model=old_model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=new_app, model=new_model).first()
        for perm in Permission.objects.filter(content_type=old):
            codename = perm.codename.replace(f"_{old_model}", f"_{new_model}")
            name = perm.name
            if old_model in verbose and new_model in verbose:
                name = name.replace(verbose[old_model], verbose[new_model])
            target = (
                Permission.objects.filter(content_type=new, codename=codename).first()
                if new is not None
                else None
            )
            if target is None:
                perm.codename, perm.name = codename, name
                if new is not None:
                    perm.content_type = new
                perm.save()
                continue
            for group in Group.objects.filter(permissions=perm):
                group.permissions.add(target)
            for user in User.objects.filter(user_permissions=perm):
                user.user_permissions.add(target)
            perm.delete()
        if new is None:
            old.app_label, old.model = new_app, new_model
            old.save()
        else:
            old.delete()


def move_content_types(apps, schema_editor):
    verbose = {old[1]: OLD_VERBOSE.get(old[1], new[2]) for old, new in MOVED}
    verbose.update({new[1]: new[2] for _, new in MOVED})
    _move(apps, [(old, new[:2]) for old, new in MOVED], verbose)


def move_content_types_back(apps, schema_editor):
    verbose = {new[1]: new[2] for _, new in MOVED}
    verbose.update({old[1]: OLD_VERBOSE.get(old[1], new[2]) for old, new in MOVED})
    _move(apps, [(new[:2], old) for old, new in MOVED], verbose)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("graph", "0003_score_history_of_catalogue_records"),
        ("profiles", "0009_author_homepage"),
        ("publications", "0008_author_records_in_the_catalogue"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="author",
                    name="claimed_by",
                ),
                migrations.RemoveField(
                    model_name="author",
                    name="institution",
                ),
                migrations.RemoveField(
                    model_name="author",
                    name="merged_into",
                ),
                migrations.RemoveField(
                    model_name="curationevent",
                    name="author",
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="author",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="claims",
                        to="publications.author",
                    ),
                ),
                migrations.AlterField(
                    model_name="collaborationinvitation",
                    name="author",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations",
                        to="publications.author",
                    ),
                ),
                migrations.AlterField(
                    model_name="follow",
                    name="author",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follows",
                        to="publications.author",
                    ),
                ),
                migrations.RemoveField(
                    model_name="curationevent",
                    name="actor",
                ),
                migrations.AlterField(
                    model_name="institutiondomain",
                    name="institution",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="email_domains",
                        to="publications.institution",
                    ),
                ),
                migrations.DeleteModel(
                    name="FlaggedAuthor",
                ),
                migrations.DeleteModel(
                    name="Author",
                ),
                migrations.DeleteModel(
                    name="CurationEvent",
                ),
                migrations.DeleteModel(
                    name="Institution",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
