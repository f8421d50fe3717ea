from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from core import outbox
from core.erasure import described
from core.models import Email
from core.reminders import KINDS
from placements.services import daily_sweep


class Command(BaseCommand):
    help = (
        "Run the daily sweep once, as Celery beat does each morning: complete finished "
        "placements, queue the reminders due today and apply the retention schedule (for "
        "cron, or where no beat runs). "
        "Then sends what the outbox holds that is due. Prints what it did, by kind."
    )

    def handle(self, *args, **options):
        completed, lapsed, reminders, retention = daily_sweep()
        for placement in completed:
            self.stdout.write(
                f"Completed: {placement} ({placement.start_on} to {placement.end_on})"
            )
        for application in lapsed:
            self.stdout.write(f"Not accepted in time: {application} (by {application.accept_by})")
        for key, kind in KINDS.items():
            if reminders[key]:
                self.stdout.write(f"{reminders[key]:>6}  {kind.label}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(completed)} placement(s) completed; "
                f"{len(lapsed)} place(s) not accepted in time; "
                f"{sum(reminders.values())} reminder(s) sent."
            )
        )
        for line in described(step for step in retention if step["count"]):
            self.stdout.write(f"Retention: {line.strip()}")
        # What the outbox's relay (every minute under beat) finds due now: emails that
        # failed or were not handed to a worker, sent again, retried later or given up.
        due = outbox.due_ids(now=timezone.now(), limit=500)
        relayed = outbox.relay()
        if relayed:
            self.stdout.write(
                "Outbox: "
                + "; ".join(
                    f"{count} {Email.State(state).label.lower()}"
                    for state, count in sorted(relayed.items())
                )
            )
            # By kind: sent again, waiting to retry, given up or no longer sent.
            rows = (
                Email.objects.filter(pk__in=due)
                .values_list("template", "state")
                .annotate(count=Count("pk"))
                .order_by("template", "state")
            )
            for template, state, count in rows:
                label = Email.State(state).label.lower()
                self.stdout.write(f"{count:>6}  {template or 'email'}: {label}")
