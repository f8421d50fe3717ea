"""Receipt files follow the claim's transaction: a claim that fails after its file was
stored leaves no file behind, and any file no claim points to is found and removed."""

import os

import pytest
from django.core.management import call_command
from django.template import TemplateSyntaxError

from placements.models import ExpenseClaim, receipt_storage
from tests.factories.placements import claim, confirmed_a, receipt


def _stored_files() -> list[str]:
    root = receipt_storage().location
    if not os.path.isdir(root):
        return []
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _folders, names in os.walk(root)
        for name in names
    )


@pytest.mark.django_db
def test_a_claim_that_fails_after_its_receipt_was_stored_leaves_no_file(cast, settings, tmp_path):
    placement = confirmed_a(cast)
    before = _stored_files()
    # The manager's notification cannot be rendered: its template is broken.
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "expense_claim_submitted.txt").write_text("{% not_a_tag %}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    with pytest.raises(TemplateSyntaxError):
        claim(placement)

    assert ExpenseClaim.objects.count() == 0
    assert _stored_files() == before


@pytest.mark.django_db
def test_receipts_with_no_claim_are_listed_then_removed(cast, capsys):
    kept = claim(confirmed_a(cast))
    receipt_storage().save("99/left-behind.pdf", receipt())

    call_command("receipts_orphaned")
    assert "99/left-behind.pdf" in capsys.readouterr().out
    assert "99/left-behind.pdf" in _stored_files()

    call_command("receipts_orphaned", "--delete")

    # (Other tests' rolled-back claims may have left files here too: all go.)
    assert "receipt file(s) with no claim, removed." in capsys.readouterr().out
    assert _stored_files() == [kept.receipt.name]
