"""Searching people and organisations by part of a name can use an index (PostgreSQL)."""

import pytest
from django.db import connection

from partners.models import Organisation, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgresql")]


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: User.objects.filter(full_name__icontains="ahme"), "partners_user_name_trgm"),
        (lambda: User.objects.filter(email__icontains="@nms.ac"), "partners_user_email_trgm"),
        (
            lambda: Organisation.objects.filter(name__icontains="museum w"),
            "partners_organisation_name_trgm",
        ),
    ],
)
def test_a_search_by_part_of_a_name_is_answered_by_a_trigram_index(queryset, index):
    sql, params = queryset().query.sql_with_params()
    with connection.cursor() as cursor:
        # As on a big table, where reading it all, or a whole ordinary index, costs most.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index in plan
