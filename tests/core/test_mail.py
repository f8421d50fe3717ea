"""Email subjects are plain text: names with apostrophes and ampersands arrive as typed."""

from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.template.loader import render_to_string

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"


def test_a_subject_keeps_apostrophes_and_ampersands():
    placement = SimpleNamespace(
        participant=SimpleNamespace(full_name="Aoife O'Neill"),
        host=SimpleNamespace(name="Tyne & Wear Archives"),
    )

    subject = render_to_string("emails/placement_proposed_subject.txt", {"placement": placement})

    assert subject.strip() == ("Placement of Aoife O'Neill at Tyne & Wear Archives: please approve")


def test_every_subject_is_rendered_without_html_escaping():
    subjects = sorted(EMAILS.glob("*_subject.txt"))

    assert subjects
    assert [p.name for p in subjects if "{% autoescape off %}" not in p.read_text()] == []
