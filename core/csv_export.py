"""Every CSV download the product offers, written one way."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell as text that a spreadsheet will not run as a formula: text starting
    with =, +, -, @, a tab or a return is quoted with an apostrophe; a number such
    as "-1.5" or "+0.3" is left as it is."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%").replace(",", ""))
    except ValueError:
        return False
    return True


def csv_response(
    *, filename: str, rows: Iterable[Iterable[object]], private: bool = False
) -> HttpResponse:
    """A CSV file to download: UTF-8 with a byte-order mark, so spreadsheet programs
    read names such as "Amgueddfa Cymru – Museum Wales" as written, and every cell
    made safe. `private` keeps it out of every cache (personal data)."""
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    if private:
        response["Cache-Control"] = "no-store"
    write_csv(response, rows)
    return response


def write_csv(out, rows: Iterable[Iterable[object]]) -> None:
    """Rows to a file-like `out` as the product's CSV: a byte-order mark first, every
    cell made safe."""
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
