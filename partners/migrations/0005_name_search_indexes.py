"""Trigram indexes for searching people and organisations by any part of a name.

Django's `icontains` asks PostgreSQL for `UPPER(column) LIKE UPPER('%...%')`, which
no ordinary index can answer; a trigram index on `UPPER(column)` can. PostgreSQL only
(SQLite, the embedded default, has neither GIN nor pg_trgm, and searches small tables).
"""

from django.db import migrations

SEARCHED = [
    ("partners_user_name_trgm", "partners_user", "full_name"),
    ("partners_user_email_trgm", "partners_user", "email"),
    ("partners_organisation_name_trgm", "partners_organisation", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_indexes_for_lists")]

    operations = [migrations.RunPython(create, drop)]
