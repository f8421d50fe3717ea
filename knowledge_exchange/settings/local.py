"""Settings for a developer's machine: `make run` uses these."""

from importlib.util import find_spec

from knowledge_exchange.settings.base import *  # noqa: F403
from knowledge_exchange.settings.base import INSTALLED_APPS, MIDDLEWARE, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A key for local use only; production refuses to start without its own.
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production")

# django-debug-toolbar (queries, templates, cache per page) where the development
# tools are installed (`make test` or `make install-dev` installs them; `make run`
# alone does not). Never in the test or production settings.
DEBUG_TOOLBAR = (
    DEBUG and env.bool("DJANGO_DEBUG_TOOLBAR", default=True) and bool(find_spec("debug_toolbar"))
)
if DEBUG_TOOLBAR:
    INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar"]
    MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE]
    INTERNAL_IPS = ["127.0.0.1"]
