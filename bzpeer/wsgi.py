import os

from django.core.wsgi import get_wsgi_application

from bzpeer.embedded_db import use_embedded_if_unset

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
# Pages give up on a statement after 20 s (the database hangs, not the site); see settings.
os.environ.setdefault("BZPEER_DB_STATEMENT_TIMEOUT", "20000")
use_embedded_if_unset()  # without DATABASE_URL: the embedded PostgreSQL under .data/
application = get_wsgi_application()
