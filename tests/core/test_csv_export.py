"""One rule for every CSV cell: text a spreadsheet would run as a formula is quoted."""

import pytest

from core.csv_export import csv_response, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+44 20 7323 8000", "'+44 20 7323 8000"),
        ("-5 days", "'-5 days"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("+0.3", "+0.3"),
        ("-1.5", "-1.5"),
        ("-12%", "-12%"),
        ("Collections", "Collections"),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_is_quoted_only_when_a_spreadsheet_would_run_it(value, written):
    assert safe_cell(value) == written


def test_a_download_is_utf8_with_a_byte_order_mark_and_private_when_asked():
    response = csv_response(
        filename="people.csv", rows=[["Name"], ["Amgueddfa Cymru – Museum Wales"]], private=True
    )

    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.decode("utf-8") == "\ufeffName\r\nAmgueddfa Cymru – Museum Wales\r\n"
