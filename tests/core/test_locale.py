"""The site's own words for django-allauth's pages: sentence case, as everywhere else,
from the committed catalogue (so it must be compiled from the .po it comes from)."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en_GB" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'(?:msgctxt "(?P<context>.*)"\n)?msgid "(?P<id>.+)"\nmsgstr "(?P<str>.+)"')


def _entries():
    return [match.groupdict() for match in ENTRY.finditer(CATALOGUE.read_text())]


def test_the_compiled_catalogue_gives_every_entry_of_the_po_file():
    entries = _entries()
    assert len(entries) > 50
    with translation.override("en-gb"):
        for entry in entries:
            if entry["context"]:
                said = translation.pgettext(entry["context"], entry["id"])
            else:
                said = translation.gettext(entry["id"])
            assert said == entry["str"], f"{entry['id']!r}: run `make messages`"


def test_every_entry_is_in_sentence_case():
    for entry in _entries():
        words = entry["str"].split()[1:]
        assert all(not word[0].isupper() or word.isupper() for word in words), entry["str"]


def test_the_sign_in_page_is_in_sentence_case(db):
    page = Client().get(reverse("account_login")).content.decode()
    assert "Sign in" in page
    assert "Sign In" not in page and "Forgot Password" not in page
