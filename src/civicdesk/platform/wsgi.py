"""WSGI entry point for `civicdesk serve` and any other WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.platform.settings")
application = get_wsgi_application()
