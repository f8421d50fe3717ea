from django.core.management.base import BaseCommand
from django.db import transaction

from partners import demo as partners_demo


class Command(BaseCommand):
    help = "Load the demo programme (organisations, people, roles). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        created = partners_demo.load()
        summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Created: {summary}."))
        self.stdout.write(f"Every demo login uses the password {partners_demo.DEMO_PASSWORD!r}.")
