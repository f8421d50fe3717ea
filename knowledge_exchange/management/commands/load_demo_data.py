import logging

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from applications import demo as applications_demo
from evaluations import demo as evaluations_demo
from partners import demo as partners_demo
from placements import demo as placements_demo


class Command(BaseCommand):
    help = (
        "Load the demo programme (organisations, people, roles, programme years, "
        "partnerships, calls, applications, placements, evaluations and testimonials). "
        "Safe to run again."
    )

    # Demo records go through the real services, which email the people concerned;
    # the demo people are made up, so those emails (and the log lines about
    # sending them) are dropped.
    @override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    def handle(self, *args, **options) -> None:
        logging.disable(logging.WARNING)
        try:
            with transaction.atomic():
                created = partners_demo.load()
                created.update(applications_demo.load())
                created.update(placements_demo.load())
                created.update(evaluations_demo.load())
        finally:
            logging.disable(logging.NOTSET)
        summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Created: {summary}."))
        self.stdout.write(f"Every demo login uses the password {partners_demo.DEMO_PASSWORD!r}.")
