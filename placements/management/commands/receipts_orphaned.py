"""List (and with --delete remove) receipt files that no expense claim points to:
left by a transaction that stored a receipt and then rolled back outside the service."""

import os

from django.core.management.base import BaseCommand

from placements.models import ExpenseClaim, receipt_storage


class Command(BaseCommand):
    help = "List receipt files no expense claim points to; --delete removes them."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the files found.")

    def handle(self, *args, delete: bool = False, **options):
        storage = receipt_storage()
        root = storage.location
        stored = {
            os.path.relpath(os.path.join(folder, name), root)
            for folder, _folders, names in os.walk(root)
            for name in names
        }
        kept = set(ExpenseClaim.objects.values_list("receipt", flat=True))
        orphans = sorted(stored - kept)
        for name in orphans:
            self.stdout.write(name)
            if delete:
                storage.delete(name)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(orphans)} receipt file(s) with no claim"
                + (", removed." if delete and orphans else ".")
            )
        )
