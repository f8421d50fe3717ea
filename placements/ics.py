"""Placements as iCalendar (RFC 5545), for a download or a subscribed feed.

Each working day is an all-day event of its own, so the weekend or a bank holiday in
the middle of a placement stays free in the calendar; its sessions are the event's
description.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from core.mail import absolute_url
from placements.models import Placement

UID_DOMAIN = "knowledge-exchange"


def _day_description(placement: Placement, day) -> str:
    lines = [
        _("Day %(number)s of 5 at %(host)s. Supervisor: %(supervisor)s.")
        % {"number": day.number, "host": placement.host, "supervisor": placement.supervisor}
    ]
    for session in day.sessions.all():
        time = session.starts_at.strftime("%H:%M")
        if session.ends_at:
            time += "–" + session.ends_at.strftime("%H:%M")
        details = ", ".join(part for part in (session.department, session.contact) if part)
        lines.append(f"{time} {session.activity}" + (f" ({details})" if details else ""))
    lines.append(absolute_url(placement.get_absolute_url()))
    return "\n".join(lines)


def placements_calendar(placements: Iterable[Placement], *, name: str) -> bytes:
    """A calendar of the placements' days. The placements need their days and sessions."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.PROGRAMME_NAME}//Placements//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for placement in placements:
        tentative = placement.status in (
            Placement.Status.PROPOSED,
            Placement.Status.CHANGES_REQUESTED,
        )
        for day in placement.days.all():
            event = Event()
            event.add("uid", f"placement-{placement.pk}-day-{day.number}@{UID_DOMAIN}")
            event.add("dtstamp", stamp)
            event.add("dtstart", day.date)
            event.add("dtend", day.date + datetime.timedelta(days=1))
            event.add(
                "summary",
                _("%(participant)s at %(host)s (day %(number)s of 5)")
                % {
                    "participant": placement.participant,
                    "host": placement.host,
                    "number": day.number,
                },
            )
            event.add("location", f"{placement.host}, {placement.host.town}")
            event.add("description", _day_description(placement, day))
            event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
            event.add("transp", "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()
