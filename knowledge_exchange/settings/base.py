"""Settings shared by every environment.

Everything that differs between a laptop and production comes from the
environment, with an embedded default that needs no services at all: a SQLite
file, emails printed to the console, Celery tasks run inline and a per-process
cache. Set DATABASE_URL, REDIS_URL and CELERY_BROKER_URL to use PostgreSQL,
a shared Redis cache and Celery workers on Redis.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "simple_history",
    "pgtrigger",
    "core",
    "partners",
    "applications",
    "placements",
    "evaluations",
    "knowledge_exchange",
]

# Widgets are drawn with the project's templates first, so templates/admin/widgets/
# can label the parts of the admin's date and time fields.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "knowledge_exchange.middleware.PrivacyNoticeMiddleware",
    "knowledge_exchange.middleware.DailySweepMiddleware",
]

ROOT_URLCONF = "knowledge_exchange.urls"
WSGI_APPLICATION = "knowledge_exchange.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "knowledge_exchange.context_processors.programme",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Connections are kept for a minute between requests and tasks, and checked before
# each is reused, so one the database dropped is replaced instead of failing.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: for a query that reads a year's rows (the year overview's
    # money, a report) it cost more than the query itself (35 ms to save none).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Shared by every web worker: allauth's rate limits count failures here. While
    # Redis does not answer, each process uses its memory instead (core/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisOrMemoryCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "knowledge-exchange",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work ----------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# With no broker, tasks run inline in the process that queued them.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# With no broker there is no beat either: the web process runs the daily sweep with the
# first request of each day (knowledge_exchange.middleware.DailySweepMiddleware).
SWEEP_IN_WEB = env.bool("SWEEP_IN_WEB", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has finished, so a worker that dies
# mid-task leaves it on the queue for the next worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task a dead worker had taken comes back to the queue after this many seconds (Redis
# holds it until then); sending is idempotent, so a task delivered twice sends once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Handing a task over fails at once when Redis is down (instead of retrying for
    # two seconds): the outbox's relay sends it. Workers reconnect by their own rule
    # (CELERY_BROKER_CONNECTION_MAX_RETRIES).
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="knowledge-exchange")


def celery_queues(default: str) -> list[Queue]:
    """The default queue, and one each for decision emails and reminders (so a backlog
    of one never holds up the other). A worker consumes all three unless told -Q."""
    # Each bound by its own name: Celery would bind a queue declared without a routing
    # key by the default queue's, and every message would reach all three.
    return [
        Queue(name, routing_key=name)
        for name in (default, f"{default}.decisions", f"{default}.reminders")
    ]


CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE)
# A request hands its emails to the broker after commit; if Redis does not answer at
# once, the outbox's relay sends them instead, so never wait long for it.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Email --------------------------------------------------------------------
# smtp://user:password@host:587/?tls=True, consolemail://, or filemail:// with
# EMAIL_FILE_PATH (django-environ would read a path in the URL as relative).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# A mail server that accepts a connection and never answers gives up after this long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# How long an email in the outbox is still worth sending, while the mail server fails:
# a decision for a week, a reminder for a day (it is also dropped sooner if its record
# no longer calls for it).
OUTBOX_DECISIONS_WORTH_SENDING = datetime.timedelta(days=7)
OUTBOX_REMINDERS_WORTH_SENDING = datetime.timedelta(days=1)
# How long a worker may hold an email while sending it before another may try: longer
# than a conversation with the mail server can take (EMAIL_TIMEOUT per step).
OUTBOX_LEASE = datetime.timedelta(seconds=env.int("OUTBOX_LEASE_SECONDS", default=120))
# The wait before trying a failed email again, doubled each time up to sixty times it.
OUTBOX_FIRST_RETRY = datetime.timedelta(seconds=env.int("OUTBOX_RETRY_SECONDS", default=60))
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Knowledge Exchange <knowledge-exchange@example.org>"
)
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- People -------------------------------------------------------------------
AUTH_USER_MODEL = "partners.User"
# The kernel (core) keeps each reminder's programme year without naming the app
# that defines years, as it keeps each reminder's person through AUTH_USER_MODEL.
REMINDERS_YEAR_MODEL = "partners.ProgrammeYear"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_ADAPTER = "partners.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "partners.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Knowledge Exchange: "

# --- Pages --------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
TIME_ZONE = "Europe/London"

# Lists (core.lists): rows on a page (25: what a person reads down before narrowing
# the list, and half the rendering of 50), and the most a list counts before it asks
# the person to narrow it by year or name, which bounds its deepest OFFSET too.
LIST_PAGE_SIZE = env.int("LIST_PAGE_SIZE", default=25)
LIST_MOST_ROWS = 5_000
# The most rows of one kind a dashboard shows; its link leads to the whole list.
DASHBOARD_ROWS = 5
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
# Served straight from the source folders; production collects them into
# STATIC_ROOT with hashed names.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Files browsers ask for at the site's root, such as /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files (receipts, later) are private: never under STATIC_ROOT and
# never served by the web server directly.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "private-media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}  # messages.ERROR as Bootstrap's alert-danger

# --- Security -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions are kept in the database and read through the cache: a signed-in page costs
# no query for its session while Redis is up, and loses nothing when it is not.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# No inline script or style anywhere, so the policy can be strict. Bootstrap's
# form controls draw their icons from data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- The programme --------------------------------------------------------------
PROGRAMME_NAME = env("PROGRAMME_NAME", default="Knowledge Exchange")
PROGRAMME_MANAGER_NAME = env("PROGRAMME_MANAGER_NAME", default="the programme manager")
PROGRAMME_MANAGER_EMAIL = env("PROGRAMME_MANAGER_EMAIL", default="knowledge-exchange@example.org")
# Where the site is reached, for links in emails sent outside a request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# How long a line manager's endorsement link works.
ENDORSEMENT_LINK_DAYS = env.int("ENDORSEMENT_LINK_DAYS", default=14)
# How long the link works that someone invited without an account (a supervisor, say)
# joins through.
ACCOUNT_INVITATION_DAYS = env.int("ACCOUNT_INVITATION_DAYS", default=14)
# The largest receipt a participant may upload with an expense claim.
RECEIPT_MAX_BYTES = env.int("RECEIPT_MAX_BYTES", default=5 * 1024 * 1024)
# How long after a placement's last day its follow-up evaluation opens.
FOLLOW_UP_MONTHS = env.int("FOLLOW_UP_MONTHS", default=6)
# The retention schedule (core.erasure, applied by the daily sweep), in months:
# - unplaced_applications: applications that led to no placement are anonymised this long
#   after their year's placement window closes (drafts never submitted are deleted);
# - access_requirements: removed this long after the placement's follow-up evaluation opens;
# - receipts: a claim's receipt file is removed this long after the claim was decided
#   (the claim's amount and decision stay: six years, as HMRC asks of financial records);
# - emails: the outbox's copy of an email is deleted this long after it was written.
RETENTION = {
    "unplaced_applications": env.int("RETENTION_UNPLACED_APPLICATIONS_MONTHS", default=12),
    "access_requirements": env.int("RETENTION_ACCESS_REQUIREMENTS_MONTHS", default=1),
    "receipts": env.int("RETENTION_RECEIPTS_MONTHS", default=72),
    "emails": env.int("RETENTION_EMAILS_MONTHS", default=24),
}
# Readers' weighted means further apart than this, in points, are flagged on a call's
# review page for the coordinator to moderate.
SELECTION_DISAGREEMENT_POINTS = env.float("SELECTION_DISAGREEMENT_POINTS", default=1.0)
# Figures about the ratings of fewer people than this are withheld from coordinators'
# reports and the public page, so no one can be singled out.
EVALUATION_MIN_GROUP = env.int("EVALUATION_MIN_GROUP", default=5)
# How often a worker counts again the report's figures of the years that can still
# change, and the public page's findings (each submitted evaluation also asks for a
# count of its year); the pages only read the last count.
REPORT_FIGURES_REFRESH_SECONDS = env.int("REPORT_FIGURES_REFRESH_SECONDS", default=600)
# When the daily sweep runs (UK time, HH:MM): it completes finished placements and
# sends the reminders that are due.
DAILY_SWEEP_AT = env("DAILY_SWEEP_AT", default="06:00")
# Reminder intervals, in days.
REMINDER_PARTNERS_DAYS = env.int("REMINDER_PARTNERS_DAYS", default=14)  # before the deadline
REMINDER_CALL_CLOSING_DAYS = env.list("REMINDER_CALL_CLOSING_DAYS", cast=int, default=[7, 1])
REMINDER_DECISIONS_DAYS = env.int("REMINDER_DECISIONS_DAYS", default=7)  # after a call closed
REMINDER_ENDORSEMENT_DAYS = env.int("REMINDER_ENDORSEMENT_DAYS", default=5)  # after asking
REMINDER_ACCEPT_DAYS = env.int("REMINDER_ACCEPT_DAYS", default=3)  # before a place's deadline
REMINDER_APPROVAL_DAYS = env.int("REMINDER_APPROVAL_DAYS", default=5)  # after proposing
REMINDER_STARTING_DAYS = env.int("REMINDER_STARTING_DAYS", default=7)  # before the first day
REMINDER_EVALUATION_OVERDUE_DAYS = env.int("REMINDER_EVALUATION_OVERDUE_DAYS", default=14)
REMINDER_CLAIMS_DAYS = env.int("REMINDER_CLAIMS_DAYS", default=5)  # a claim waiting
# A reminder whose day was missed (the sweep did not run) is still sent this many days on;
# older ones are never sent.
REMINDER_CATCH_UP_DAYS = env.int("REMINDER_CATCH_UP_DAYS", default=7)
_sweep_hour, _sweep_minute = (int(part) for part in DAILY_SWEEP_AT.split(":"))
# django-celery-beat's scheduler copies this into its tables when beat starts.
CELERY_BEAT_SCHEDULE = {
    "daily-sweep": {
        "task": "placements.tasks.daily_sweep",
        "schedule": crontab(hour=_sweep_hour, minute=_sweep_minute),
    },
    # Sends what the after-commit hand-over missed (the broker was down, a task was
    # lost) and retries what failed.
    "outbox-relay": {"task": "core.outbox.relay", "schedule": 60.0},
    # The report's stored figures of the years that still change, and the public
    # page's findings from them (each submitted evaluation also asks); every year's
    # once a night, after the sweep.
    "report-figures": {
        "task": "evaluations.tasks.refresh_report_figures",
        "schedule": float(REPORT_FIGURES_REFRESH_SECONDS),
    },
    "report-figures-every-year": {
        "task": "evaluations.tasks.refresh_report_figures",
        "schedule": crontab(hour=(_sweep_hour + 1) % 24, minute=_sweep_minute),
        "kwargs": {"every_year": True},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {asctime} {name} {message}", "style": "{"}},
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # An email given up on reaches the site's administrators (DJANGO_ADMINS).
        "core.outbox": {"handlers": ["mail_admins"], "level": "INFO"},
    },
}
