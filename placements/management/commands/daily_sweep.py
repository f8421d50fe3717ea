from django.core.management.base import BaseCommand

from core.reminders import KINDS
from placements.services import daily_sweep


class Command(BaseCommand):
    help = (
        "Run the daily sweep once, as Celery beat does each morning: complete finished "
        "placements and queue the reminders due today (for cron, or where no beat runs). "
        "Prints what it did, by kind."
    )

    def handle(self, *args, **options):
        completed, reminders = daily_sweep()
        for placement in completed:
            self.stdout.write(
                f"Completed: {placement} ({placement.start_on} to {placement.end_on})"
            )
        for key, kind in KINDS.items():
            if reminders[key]:
                self.stdout.write(f"{reminders[key]:>6}  {kind.label}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(completed)} placement(s) completed; "
                f"{sum(reminders.values())} reminder(s) sent."
            )
        )
