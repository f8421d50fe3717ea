# The reminder log moved to the core app: copy the rows already sent or queued into
# core_reminder, keeping their ids (queued tasks carry them), then drop this table.

from django.core.management.color import no_style
from django.db import migrations

COLUMNS = (
    "id, kind, object_id, object_repr, email, recipient_id, occasion, year_id, context, "
    "sweep, queued_at, sent_at, subject"
)


def copy_to_core(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO core_reminder ({COLUMNS}) "  # noqa: S608 (fixed column names)
            f"SELECT {COLUMNS} FROM knowledge_exchange_reminder"
        )
        for sql in connection.ops.sequence_reset_sql(no_style(), [apps.get_model("core", "Reminder")]):
            cursor.execute(sql)


def copy_back(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO knowledge_exchange_reminder ({COLUMNS}) "  # noqa: S608
            f"SELECT {COLUMNS} FROM core_reminder"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("knowledge_exchange", "0001_reminders"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_to_core, copy_back),
        migrations.DeleteModel(name="Reminder"),
    ]
