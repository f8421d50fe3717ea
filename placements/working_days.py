"""Working days at a host: weekdays that are not a bank holiday of the host's UK nation,
nor one of the host's own closure days (`closed`: each date with its reason, from
partners.selectors.closure_days).

The bank holidays come from the maintained `holidays` library, which knows each
nation's own (St Andrew's Day in Scotland, the Twelfth in Northern Ireland, Easter
Monday everywhere but Scotland) and the days they move to when they fall at a weekend.
"""

import datetime
from collections.abc import Mapping
from functools import lru_cache

import holidays
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.dates import long_date
from partners.models import Nation

PLACEMENT_DAYS = 5

SUBDIVISIONS = {
    Nation.ENGLAND: "ENG",
    Nation.SCOTLAND: "SCT",
    Nation.WALES: "WLS",
    Nation.NORTHERN_IRELAND: "NIR",
}


@lru_cache(maxsize=64)
def bank_holidays(nation: str, year: int) -> holidays.HolidayBase:
    """A nation's bank holidays in a year, with their names."""
    return holidays.country_holidays("GB", subdiv=SUBDIVISIONS[Nation(nation)], years=year)


def bank_holiday_name(day: datetime.date, nation: str) -> str | None:
    return bank_holidays(nation, day.year).get(day)


Closed = Mapping[datetime.date, str]


def is_working_day(day: datetime.date, nation: str, closed: Closed | None = None) -> bool:
    return (
        day.weekday() < 5 and bank_holiday_name(day, nation) is None and day not in (closed or {})
    )


def working_days_from(
    start: datetime.date, nation: str, count: int = PLACEMENT_DAYS, closed: Closed | None = None
) -> list[datetime.date]:
    """`count` consecutive working days, the first of them `start` (itself a working day)."""
    days: list[datetime.date] = []
    day = start
    while len(days) < count:
        if is_working_day(day, nation, closed):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def why_not_working(day: datetime.date, nation: str, closed: Closed | None = None) -> str | None:
    """The reason a day is not a working day, for a message; None if it is one."""
    if closed and day in closed:
        return _("The host is closed on %(date)s (%(reason)s).") % {
            "date": long_date(day),
            "reason": closed[day],
        }
    name = bank_holiday_name(day, nation)
    if name:
        return _("%(date)s is a bank holiday in %(nation)s (%(name)s).") % {
            "date": long_date(day),
            "nation": Nation(nation).label,
            "name": name,
        }
    if day.weekday() >= 5:
        return _("%(date)s is a %(weekday)s.") % {
            "date": long_date(day),
            "weekday": date_format(day, "l"),
        }
    return None
