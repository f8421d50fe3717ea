"""Build the reference volume in a database of its own (see knowledge_exchange.reference)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from evaluations.tasks import refresh_report_figures
from knowledge_exchange import reference


class Command(BaseCommand):
    help = (
        "Build ten programme years at national scale (500 organisations, 101,000 people, "
        "100,000 applications, 55,000 placements...) in a database of its own, replacing "
        "it, and check every rule the database's triggers hold."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", help="Its name (default: the configured name + '_reference')."
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="A fraction of the volume (default 1)."
        )

    def handle(self, *args, database, scale, **options):
        name = reference.database_name(database)
        started = time.perf_counter()
        reference.use_database(name, create=True)
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        volume = reference.Volume(scale=scale)
        written = reference.build(volume, today=timezone.localdate())
        built = time.perf_counter()
        broken = {rule: n for rule, n in reference.violations().items() if n}
        checked = time.perf_counter()
        # As the nightly task does: every year's report figures, and the public findings.
        refresh_report_figures(every_year=True)
        counted = time.perf_counter()
        # As autovacuum would soon after a load this size: the visibility map that lets
        # a covering index answer without reading the table (outside any transaction).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
        for table, rows in written.items():
            self.stdout.write(f"{table:<28} {rows:>9,}")
        self.stdout.write(
            f"Database {name}: migrated in {migrated - started:.1f} s, built in "
            f"{built - migrated:.1f} s, rules checked in {checked - built:.1f} s, report "
            f"figures counted in {counted - checked:.1f} s; "
            f"{time.perf_counter() - started:.1f} s in all."
        )
        if broken:
            raise CommandError(f"Rules broken: {broken}")
        self.stdout.write(f"Every rule holds. Sign in with password {reference.PASSWORD!r} as:")
        for role, (email, _pk) in reference.demo_people(volume).items():
            self.stdout.write(f"  {role:<20} {email}")
