"""Files follow the transaction that stores them: a file saved by a change that rolls
back is deleted, so storage never holds a file no record points to. (A file kept by an
inner block whose outer transaction rolls back later is found by the orphan check
each app with files offers: `manage.py receipts_orphaned` for receipts.)"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile


class StoredFiles:
    def __init__(self) -> None:
        self.saved: list[tuple[Storage, str]] = []

    def save(self, field_file: FieldFile, name: str, content) -> None:
        """Store `content` as the field's file (the record is saved by the caller)."""
        field_file.save(name, content, save=False)
        self.saved.append((field_file.storage, field_file.name or ""))


@contextmanager
def atomic_with_files() -> Iterator[StoredFiles]:
    """`transaction.atomic()`, deleting the files stored through it if it rolls back."""
    files = StoredFiles()
    try:
        with transaction.atomic():
            yield files
    except BaseException:
        for storage, name in files.saved:
            storage.delete(name)
        raise
