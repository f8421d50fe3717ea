"""The reminder log moved from the knowledge_exchange app to core: a database that
has reminders keeps them, with their ids, and their unique rule."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.models import Reminder

BEFORE_THE_MOVE = [("knowledge_exchange", "0001_reminders")]
AFTER_THE_MOVE = [("knowledge_exchange", "0002_reminders_move_to_core")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_reminders_written_before_the_move_are_in_core_afterwards_with_their_ids():
    _migrate(BEFORE_THE_MOVE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO knowledge_exchange_reminder (id, kind, object_id, object_repr, "
                "email, occasion, context, sweep, queued_at, subject) "
                "VALUES (41, 'evaluation_due', 7, 'A placement', 'a@example.org', 'due', "
                "'{}', %s, %s, 'Your evaluation')",
                [uuid.uuid4().hex, datetime.datetime(2031, 6, 1, tzinfo=datetime.UTC)],
            )
        _migrate(AFTER_THE_MOVE)
    finally:
        _migrate(_leaf_nodes())

    moved = Reminder.objects.get()
    assert (moved.pk, moved.kind, moved.object_id, moved.email, moved.subject) == (
        41,
        "evaluation_due",
        7,
        "a@example.org",
        "Your evaluation",
    )
    assert "knowledge_exchange_reminder" not in connection.introspection.table_names()
    # New rows continue after the copied ids, and the rule of one per occasion holds.
    later = Reminder.objects.create(
        kind="evaluation_due",
        object_id=8,
        object_repr="B",
        email="b@example.org",
        occasion="due",
        sweep=uuid.uuid4(),
    )
    assert later.pk > 41
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            kind="evaluation_due",
            object_id=7,
            object_repr="A",
            email="a@example.org",
            occasion="due",
            sweep=uuid.uuid4(),
        )


def _leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
