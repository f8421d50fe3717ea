"""The privacy notice (published in versions, acknowledged by each person), and the
record of who read someone's special category data. Domain apps record through
these functions; the kernel names none of them."""

import datetime
import decimal
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markdown
import nh3
from django.db import models, transaction
from django.db.models import Max
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from core.csv_export import write_csv
from core.models import (
    AccountClosure,
    Consent,
    Email,
    PrivacyAcknowledgement,
    PrivacyNotice,
    Reminder,
    SensitiveRead,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

DEFAULT_TEXT = Path(__file__).with_name("privacy_notice.md")

# What a notice's Markdown may become: headings, paragraphs, lists, emphasis, links.
_ALLOWED_TAGS = {"h2", "h3", "p", "ul", "ol", "li", "strong", "em", "a", "br"}


def ensure_notice(**kwargs) -> None:
    """After migrate (and a flush): the first version, written for the programme, if
    none has been published."""
    if not PrivacyNotice.objects.exists():
        PrivacyNotice.objects.create(version=1, text=DEFAULT_TEXT.read_text())


def current_notice() -> PrivacyNotice | None:
    return PrivacyNotice.objects.order_by("-version").first()


def notice_html(notice: PrivacyNotice) -> SafeString:
    """The notice's Markdown as HTML, with nothing but the allowed tags kept."""
    html = markdown.markdown(notice.text)
    return mark_safe(nh3.clean(html, tags=_ALLOWED_TAGS))  # noqa: S308 (cleaned just now)


def notice_publish(*, text: str, changes: str, by) -> PrivacyNotice:
    """Publish a new version, numbered after the last (the table is locked, so two
    managers publishing at once get two versions). Side effects: the new version,
    which people who acknowledged an earlier one are shown at their next sign-in."""
    with transaction.atomic():
        list(PrivacyNotice.objects.select_for_update().only("pk"))
        last = PrivacyNotice.objects.aggregate(last=Max("version"))["last"] or 0
        return PrivacyNotice.objects.create(
            version=last + 1, text=text, changes=changes, published_by=by
        )


def notice_acknowledge(*, user, notice: PrivacyNotice, occasion: str) -> PrivacyAcknowledgement:
    """Record that the person has read this version (once per occasion)."""
    acknowledgement, _created = PrivacyAcknowledgement.objects.get_or_create(
        user=user, notice=notice, occasion=occasion
    )
    return acknowledgement


def notice_changed_for(user) -> PrivacyNotice | None:
    """The current notice, if the person acknowledged an earlier version and not this one."""
    notice = current_notice()
    if notice is None:
        return None
    versions = set(
        PrivacyAcknowledgement.objects.filter(user=user).values_list("notice__version", flat=True)
    )
    if versions and notice.version not in versions:
        return notice
    return None


def sensitive_read(*, reader, subject, what: str, where: str) -> None:
    """Record that `reader` read `what` of `subject`'s at `where` (a page's address);
    the person reading their own is not recorded."""
    if reader.pk != subject.pk:
        SensitiveRead.objects.create(reader=reader, subject=subject, what=what, where=where)


def consent_set(*, user, purpose: str, statement: str, given: bool) -> Consent | None:
    """Record a consent given with the words agreed to (once while it stands), or
    withdraw the standing one. Returns the standing consent, if any."""
    standing = (
        Consent.objects.select_for_update()
        .filter(user=user, purpose=purpose, withdrawn_at__isnull=True)
        .first()
    )
    if given and standing is None:
        return Consent.objects.create(user=user, purpose=purpose, statement=statement)
    if not given and standing is not None:
        standing.withdrawn_at = timezone.now()
        standing.save(update_fields=["withdrawn_at"])
        return None
    return standing


# --- Subject access: everything the product holds about a person, in one archive ----


@dataclass(frozen=True)
class Section:
    """One part of a person's export: `rows(user)` gives its records (each a dict of
    labelled values); `links` names each model field to a person it covers
    ("app_label.Model.field"), which the coverage test checks; `files(user)` gives the
    files it holds (a name in the archive, and the stored file)."""

    key: str
    title: "StrOrPromise"
    rows: Callable[[Any], list[dict]]
    links: tuple[str, ...] = ()
    files: Callable[[Any], list[tuple[str, Any]]] | None = None


SECTIONS: dict[str, Section] = {}
# Links to a person that are not exported as theirs, each with the reason.
NOT_EXPORTED: dict[str, "StrOrPromise"] = {}


def register_section(section: Section) -> Section:
    SECTIONS[section.key] = section
    return section


def not_exported(reason: "StrOrPromise", *links: str) -> None:
    for link in links:
        NOT_EXPORTED[link] = reason


def records(objects: Iterable[models.Model], fields: Iterable[str]) -> list[dict]:
    """Each object as {field's label: value as people read it}: choices by their
    label, moments in UK time, related records by their name."""
    fields = list(fields)
    found = []
    for obj in objects:
        row = {}
        for name in fields:
            field = obj._meta.get_field(name)
            label = str(getattr(field, "verbose_name", name))
            if getattr(field, "choices", None):
                value: Any = getattr(obj, f"get_{name}_display")()
            else:
                value = getattr(obj, name)
            if isinstance(value, datetime.datetime):
                value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, datetime.date | decimal.Decimal | models.Model):
                value = str(value)
            elif hasattr(value, "name") and hasattr(value, "url"):  # a stored file
                value = value.name or ""
            row[label] = value
        found.append(row)
    return found


def emails_to(address: str):
    """The outbox's emails to an address (the list holds it exactly)."""
    return [
        email
        for email in Email.objects.filter(to__icontains=address).order_by("created_at")
        if address.lower() in (to.lower() for to in email.to)
    ]


def export_archive(user) -> bytes:
    """A zip of everything held about the person: data.json (every section), a CSV per
    section, index.html to read it, and the files (receipts) under files/."""
    sections = [(section, section.rows(user)) for section in SECTIONS.values()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        data = {
            section.key: {"title": str(section.title), "records": rows}
            for section, rows in sections
        }
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for section, rows in sections:
            archive.writestr(f"{section.key}.csv", _csv(rows))
            for name, stored in section.files(user) if section.files else []:
                with stored.open("rb") as handle:
                    archive.writestr(f"files/{name}", handle.read())
        archive.writestr(
            "index.html",
            render_to_string(
                "privacy/export_index.html",
                {"person": user, "sections": sections, "made_at": timezone.now()},
            ),
        )
    return buffer.getvalue()


def archive_response(user) -> HttpResponse:
    """The archive of everything held about `user`, to download; never cached."""
    response = HttpResponse(export_archive(user), content_type="application/zip")
    name = f"knowledge-exchange-{user.pk}-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _csv(rows: list[dict]) -> str:
    """Records with their labels as columns (every label any record has)."""
    columns = list(dict.fromkeys(label for row in rows for label in row))
    out = io.StringIO()
    write_csv(out, [columns, *([row.get(column, "") for column in columns] for row in rows)])
    return out.getvalue()


register_section(
    Section(
        key="privacy_notice",
        title=_("Privacy notice versions you read"),
        rows=lambda user: records(
            PrivacyAcknowledgement.objects.filter(user=user).select_related("notice"),
            ["notice", "occasion", "acknowledged_at"],
        ),
        links=("core.PrivacyAcknowledgement.user",),
    )
)
register_section(
    Section(
        key="consents",
        title=_("Consents you gave, and withdrew"),
        rows=lambda user: records(
            Consent.objects.filter(user=user).order_by("given_at"),
            ["purpose", "statement", "given_at", "withdrawn_at"],
        ),
        links=("core.Consent.user",),
    )
)
register_section(
    Section(
        key="account_closures",
        title=_("Your requests to close your account"),
        rows=lambda user: records(
            AccountClosure.objects.filter(user=user).order_by("requested_at"),
            ["requested_at", "status", "reason", "decided_at"],
        ),
        links=("core.AccountClosure.user",),
    )
)
register_section(
    Section(
        key="sensitive_reads",
        title=_("Who read your access requirements"),
        rows=lambda user: records(
            SensitiveRead.objects.filter(subject=user).select_related("reader"),
            ["read_at", "reader", "what", "where"],
        ),
        links=("core.SensitiveRead.subject",),
    )
)
register_section(
    Section(
        key="reminders",
        title=_("Reminders sent to you"),
        rows=lambda user: records(
            Reminder.objects.filter(recipient=user).order_by("queued_at"),
            ["queued_at", "subject", "object_repr", "email", "sent_at"],
        ),
        links=("core.Reminder.recipient",),
    )
)
register_section(
    Section(
        key="emails",
        title=_("Emails sent to you"),
        rows=lambda user: records(
            emails_to(user.email), ["created_at", "subject", "body", "state", "sent_at"]
        ),
    )
)
not_exported(
    _("The manager's publishing of a notice is a record of the programme's, not about them."),
    "core.PrivacyNotice.published_by",
    "core.AccountClosure.erased_by",
)
not_exported(
    _("What they read of others is the others' data; each person's export shows who read theirs."),
    "core.SensitiveRead.reader",
)
