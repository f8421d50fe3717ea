from django.core.management.base import BaseCommand

from placements.services import placements_complete_finished


class Command(BaseCommand):
    help = (
        "Complete every confirmed placement whose last day has passed, as the daily "
        "sweep does (for running from cron, or where no Celery beat runs)."
    )

    def handle(self, *args, **options):
        completed = placements_complete_finished()
        for placement in completed:
            self.stdout.write(
                f"Completed: {placement} ({placement.start_on} to {placement.end_on})"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(completed)} placement(s) completed."))
