"""WSGI entry point, for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from core.uploads import ReadableNamesRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledge_exchange.settings.production")

application = get_wsgi_application()
# Uploaded files keep the readable part of their names (core/uploads.py).
application.request_class = ReadableNamesRequest
