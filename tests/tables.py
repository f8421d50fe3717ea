"""Searching the whole database, as an auditor would."""

from django.db import connection


def tables_mentioning(texts) -> dict[str, list[str]]:
    """Every table and column (of any text kind) holding any of `texts`."""
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                for text in texts:
                    cursor.execute(
                        f'SELECT 1 FROM "{table}" WHERE CAST("{column.name}" AS TEXT) '  # noqa: S608 (names from the catalogue)
                        "LIKE %s LIMIT 1",
                        [f"%{text}%"],
                    )
                    if cursor.fetchone():
                        found.setdefault(table, []).append(f"{column.name}: {text}")
    return found
