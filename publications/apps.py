from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "publications"
    verbose_name = "Publications"

    def ready(self) -> None:
        # Anonymous profile pages are cached; every change a visitor could see drops them.
        from publications import page_cache
        from publications.signals import author_records_changed

        author_records_changed.connect(
            page_cache.on_records_changed, dispatch_uid="profile-page-cache"
        )
