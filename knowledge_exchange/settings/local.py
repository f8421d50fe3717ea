"""Settings for a developer's machine: `make run` uses these."""

from knowledge_exchange.settings.base import *  # noqa: F403
from knowledge_exchange.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A key for local use only; production refuses to start without its own.
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production")
