import os

from celery import Celery

from bzpeer.embedded_db import use_embedded_if_unset

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")

app = Celery("bzpeer")
# The worker and beat read the settings when they configure the app: without DATABASE_URL, start
# the embedded PostgreSQL first. Importing this module (every import of bzpeer does) starts nothing.
app.on_configure.connect(lambda sender, **kwargs: use_embedded_if_unset(), weak=False)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
