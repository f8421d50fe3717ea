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
