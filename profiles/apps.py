from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Profiles"

    def ready(self) -> None:
        from profiles.curators import ensure_curators_group

        post_migrate.connect(ensure_curators_group, dispatch_uid="profiles.curators_group")
