"""How long the reminder sweep takes on a large programme, and how many queries it runs.

Everything happens in a throwaway database made for the run (Django's test database,
`test_<name>`, destroyed at the end), so no real data is touched. Nothing is emailed:
the reminders are sent through the real send path with Django's dummy email backend,
inline, to measure sending too.
"""

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings

from core.reminders import reminders_send_due
from knowledge_exchange.benchmark import TODAY, YEARS, build_programme, counting, throwaway_database
from knowledge_exchange.celery import app as celery_app


class Command(BaseCommand):
    help = (
        "In a throwaway database, build a large programme (default 50,000 placements over "
        "ten years, 10,000 reminders due), run the reminder sweep twice and print each "
        "run's wall time and query count, and the time to send what the first queued."
    )

    def add_arguments(self, parser):
        parser.add_argument("--placements", type=int, default=50_000)
        parser.add_argument("--due", type=int, default=10_000, help="reminders due (÷ 4)")

    def handle(self, *args, placements, due, **options):
        per_year = placements // len(YEARS)
        if due // 2 > per_year:
            self.stderr.write("--due can be at most twice the placements of one year.")
            return
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            with (
                throwaway_database(),
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            ):
                self._run(per_year=per_year, due=due)
        finally:
            celery_app.conf.task_always_eager = eager

    def _run(self, *, per_year: int, due: int) -> None:
        self.stdout.write(
            f"Database: {connection.vendor} (throwaway); sweep on {TODAY:%A %-d %B %Y}."
        )
        started = time.perf_counter()
        built = build_programme(per_year=per_year, due=due)
        self.stdout.write(f"Built {built} placements in {time.perf_counter() - started:.1f} s.")
        for run in ("first", "second"):
            # The sweep queues its sends on commit: the outer transaction holds them
            # back, so the sweep and the sending are timed apart.
            with transaction.atomic():
                queries: list[dict] = []
                with connection.execute_wrapper(counting(queries)):
                    started = time.perf_counter()
                    counts = reminders_send_due(today=TODAY)
                    elapsed = time.perf_counter() - started
                kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
                self.stdout.write(
                    f"Sweep, {run} run: {sum(counts.values())} reminders queued in "
                    f"{elapsed:.2f} s with {len(queries)} queries ({kinds or 'nothing due'})."
                )
                started = time.perf_counter()
            if counts:
                elapsed = time.perf_counter() - started
                total = sum(counts.values())
                self.stdout.write(
                    f"Sending them (inline, dummy email backend): {elapsed:.1f} s, "
                    f"{total / elapsed:.0f} a second."
                )
