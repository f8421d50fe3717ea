"""Read the POST forms of a page and make random, often hostile, submissions of them."""

import dataclasses
import random
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories.placements import PDF, PNG

# What people type by mistake, and what an attacker types on purpose.
NASTY = [
    "",
    " ",
    "abc",
    "0",
    "-1",
    "1e3",
    "1.5",
    "12.505",
    "99999999999999999999999",
    "NaN",
    "inf",
    "9999-12-31",
    "0001-01-01",
    "2031-02-30",
    "31/12/2031",
    "2031-06-02T25:61",
    "<b>bold</b>",
    '"><script>alert(1)</script>',
    "' OR 1=1 --",
    "\u202eevil.pdf",
    "Siân ⚠ café",
    "x" * 5000,
    "\x00",
    "../../etc/passwd",
    "%s%s%n",
    "{{ 7|add:7 }}",
    "http://example.org/",
    "a@b",
    "someone@example.org",
    "[]",
    "{}",
]


@dataclasses.dataclass
class Field:
    name: str
    kind: str  # text, hidden, checkbox, radio, select, textarea, file, submit
    value: str = ""
    options: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Form:
    action: str
    fields: dict[str, Field] = dataclasses.field(default_factory=dict)
    submits: list[Field] = dataclasses.field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", "")) if a.get("method") == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
            return
        form = self._form
        if form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "image"):
                form.submits.append(Field(name, "submit", a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                field = form.fields.setdefault(name, Field(name, kind))
                field.options.append(a.get("value", "on"))
            else:
                form.fields[name] = Field(name, kind, a.get("value", ""))
        elif tag == "button" and a.get("type", "submit") == "submit":
            form.submits.append(Field(name, "submit", a.get("value", "")))
        elif tag == "textarea":
            form.fields[name] = Field(name, "textarea")
        elif tag == "select":
            self._select = form.fields[name] = Field(name, "select")
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def post_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def _upload(rng: random.Random) -> SimpleUploadedFile:
    name, content = rng.choice(
        [
            ("receipt.pdf", PDF),
            ("photo.png", PNG),
            ("empty.pdf", b""),
            ("<b>Siân</b>.pdf", PDF),
            ("script.exe", b"MZ\x90\x00"),
            ("noise.pdf", rng.randbytes(64)),
        ]
    )
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def submission(form: Form, rng: random.Random) -> dict:
    """A random submission: mostly plausible choices, often nasty text, sometimes a
    tampered hidden field or a missing one."""
    data: dict = {}
    for field in form.fields.values():
        if rng.random() < 0.1:
            continue  # left out, as a tampered or truncated POST would
        if field.kind in ("checkbox", "radio"):
            if rng.random() < 0.5:
                chosen = [rng.choice(field.options)] if field.kind == "radio" else field.options
                data[field.name] = chosen if field.kind == "checkbox" else chosen[0]
        elif field.kind == "select":
            choices = [option for option in field.options if option]
            if choices and rng.random() < 0.7:
                data[field.name] = rng.choice(choices)
            else:
                data[field.name] = rng.choice(NASTY)
        elif field.kind == "file":
            data[field.name] = _upload(rng)
        elif field.kind == "hidden":
            data[field.name] = field.value if rng.random() < 0.8 else rng.choice(NASTY)
        else:
            data[field.name] = rng.choice(NASTY)
    if form.submits:
        button = rng.choice(form.submits)
        data[button.name] = button.value
    return data
