"""Dates and moments as people read them in sentences."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format


def long_date(day: datetime.date) -> str:
    """A date as people read it in sentences: 1 March 2031."""
    return date_format(day, "j F Y")


def long_datetime(moment: datetime.datetime) -> str:
    """A moment as people read it in sentences, in UK time: 17 April 2031, 17:00."""
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def date_range(first: datetime.date, last: datetime.date) -> str:
    """Two dates as a list shows them: 1 Mar 2031 – 31 Mar 2031."""
    return f"{date_format(first, 'j M Y')} – {date_format(last, 'j M Y')}"
