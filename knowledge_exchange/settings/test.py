"""Settings for the test suite.

The database, cache and broker come from the environment as everywhere else:
`make test` runs on SQLite by default and on PostgreSQL when DATABASE_URL is
set. Tasks run inline unless a test asks for the real broker and worker.
"""

import os
import tempfile
from pathlib import Path

from knowledge_exchange.settings.base import *  # noqa: F403
from knowledge_exchange.settings.base import (
    BASE_DIR,
    CACHES,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    REDIS_URL,
    STATICFILES_DIRS,
    celery_queues,
)

SECRET_KEY = "test-key-not-for-production"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test's connections are closed after it, as the test database expects.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The test client builds the middleware for every test; WhiteNoise would scan every
# static file each time. Browser tests' live server serves static files itself.
WHITENOISE_USE_FINDERS = False

# Browser tests load axe-core from the live server, as a page loads a script, so
# Chromium keeps it in its cache between the checks of a journey.
AXE_CORE_DIR = BASE_DIR / "node_modules" / "axe-core"
if AXE_CORE_DIR.is_dir():
    STATICFILES_DIRS = [*STATICFILES_DIRS, ("test-tools/axe-core", AXE_CORE_DIR)]  # type: ignore[list-item]

CELERY_TASK_ALWAYS_EAGER = True
# Tests run the sweep when they mean to (tests/knowledge_exchange/test_sweep_in_web.py).
SWEEP_IN_WEB = False
# Each test run has its own queue, so a worker left from another run never
# takes its tasks.
CELERY_TASK_DEFAULT_QUEUE = f"knowledge-exchange-test-{os.getpid()}"
CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE)

if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = f"knowledge-exchange-test-{os.getpid()}"
    # Tests clear the cache, which empties its whole Redis database: each
    # pytest-xdist worker (gw0, gw1, ...) has a database of its own, from 8 up.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        CACHES["default"]["LOCATION"] = f"{REDIS_URL.rsplit('/', 1)[0]}/{8 + int(worker[2:])}"

# Receipts uploaded by tests go to a folder of this run's own, never the checkout's.
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"knowledge-exchange-test-media-{os.getpid()}"

# The worker-restart test slows each email down, so the worker can be killed mid-way,
# and has the worker look for tasks a dead worker held every second (not every 100).
if os.environ.get("TEST_EMAIL_DELAY"):
    EMAIL_BACKEND = "tests.slow_email.SlowFileBackend"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
