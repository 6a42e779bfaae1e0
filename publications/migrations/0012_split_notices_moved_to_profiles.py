"""SplitNotice now lives in profiles (state only; the table publications_splitnotice stays). Its
content type moves with it, so permissions given to people and groups keep working under the new
app label."""

from django.conf import settings
from django.db import migrations

# (old app label, old model) → (new app label, new model); the model keeps its name.
MOVED = [(("publications", "splitnotice"), ("profiles", "splitnotice"))]


def _move(apps, pairs):
    """Give each content type its new app label. When the new one already exists (post_migrate
    of a database created at the new layout, then migrated back), the old one's permissions are
    merged into it: people and groups keep what they held."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for (old_app, old_model), (new_app, new_model) in pairs:
        old = ContentType.objects.filter(app_label=old_app, model=old_model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=new_app, model=new_model).first()
        if new is None:
            old.app_label, old.model = new_app, new_model
            old.save()
            continue
        for perm in Permission.objects.filter(content_type=old):
            target = Permission.objects.filter(content_type=new, codename=perm.codename).first()
            if target is None:
                perm.content_type = new
                perm.save()
                continue
            for group in Group.objects.filter(permissions=perm):
                group.permissions.add(target)
            for user in User.objects.filter(user_permissions=perm):
                user.user_permissions.add(target)
            perm.delete()
        old.delete()


def move_content_types(apps, schema_editor):
    _move(apps, MOVED)


def move_content_types_back(apps, schema_editor):
    _move(apps, [(new, old) for old, new in MOVED])


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("profiles", "0012_split_notices_moved_from_the_catalogue"),
        ("publications", "0011_author_search_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SplitNotice")],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
