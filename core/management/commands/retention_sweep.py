from django.core.management.base import BaseCommand

from core.erasure import described, retention_sweep


class Command(BaseCommand):
    help = (
        "Apply the retention schedule (settings.RETENTION) now, as the daily sweep does "
        "each morning, and print what it removed or anonymised, rule by rule. With "
        "--dry-run, print what it would do and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be done; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        outcome = retention_sweep(dry_run=dry_run)
        for line in described(outcome):
            self.stdout.write(line)
        total = sum(step["count"] for step in outcome)
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: {total} record(s) would change."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{total} record(s) changed."))
