from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Profiles"

    def ready(self) -> None:
        from profiles.curators import ensure_curators_group
        from profiles.merge_participant import PeopleOnRecords
        from publications.merge_participants import register_merge_participant

        post_migrate.connect(ensure_curators_group, dispatch_uid="profiles.curators_group")
        # Follows, claims and invitations move with the catalogue's merges of author records.
        register_merge_participant(PeopleOnRecords())
