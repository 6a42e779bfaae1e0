"""The "curators" group: staff who review claims, merge and split author records and hide works
without being superusers. Created (and topped up) after every migrate, because model permissions
only exist once each app's post_migrate has run."""

from __future__ import annotations

from publications.permissions import CURATORS_GROUP

__all__ = ["CURATORS_GROUP", "CURATE_PERMISSION", "ensure_curators_group"]

CURATE_PERMISSION = "publications.curate_author"

# app label → codenames the group holds. Views and actions check CURATE_PERMISSION; the model
# permissions let curators open the admin pages they act from.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    "profiles": [
        "view_claim",
        "change_claim",
        "view_follow",
        "view_institutiondomain",
        "add_institutiondomain",
        "change_institutiondomain",
        "delete_institutiondomain",
        "view_collaborationinvitation",
    ],
    "publications": [
        "curate_author",
        "view_author",
        "change_author",
        "view_maycombineseveralrecord",
        "change_maycombineseveralrecord",
        "view_institution",
        "view_curationevent",
        "view_work",
        "change_work",
        "view_authorship",
        "view_topic",
        "view_workversion",
        "view_importrun",
        "view_identitydecision",
    ],
}


def ensure_curators_group(sender=None, app_config=None, using="default", **kwargs) -> None:
    """post_migrate receiver; safe to run any number of times (get_or_create, set-like add)."""
    if app_config is not None and app_config.label not in GROUP_PERMISSIONS:
        return
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name=CURATORS_GROUP)
    wanted = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=list(GROUP_PERMISSIONS))
        .select_related("content_type")
    )
    group.permissions.add(
        *[p for p in wanted if p.codename in GROUP_PERMISSIONS[p.content_type.app_label]]
    )
