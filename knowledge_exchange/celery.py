"""The Celery application: configured from Django settings prefixed CELERY_."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledge_exchange.settings.local")

# DjangoTask gives every task delay_on_commit(), so work is queued only once
# the transaction that asked for it has committed.
app = Celery("knowledge_exchange", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
