import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
# Pages give up on a statement after 20 s (the database hangs, not the site); see settings.
os.environ.setdefault("BZPEER_DB_STATEMENT_TIMEOUT", "20000")
application = get_wsgi_application()
