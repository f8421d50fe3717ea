"""The privacy notice (published in versions, acknowledged by each person), and the
record of who read someone's special category data. Domain apps record through
these functions; the kernel names none of them."""

from pathlib import Path

import markdown
import nh3
from django.db import transaction
from django.db.models import Max
from django.utils.safestring import SafeString, mark_safe

from core.models import PrivacyAcknowledgement, PrivacyNotice, SensitiveRead

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
