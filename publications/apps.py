from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "publications"
    verbose_name = "Publications"

    def ready(self) -> None:
        # Anonymous pages are cached; every change a visitor could see drops them.
        from bzpeer.page_cache import on_author_records_changed
        from publications.signals import author_records_changed

        author_records_changed.connect(on_author_records_changed, dispatch_uid="page-cache")
