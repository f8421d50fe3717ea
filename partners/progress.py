"""What has happened in a programme year, counted in the database: the facts its stage
is worked out from.

Each app counts its own facts (partners confirmed; calls made and open; people
selected; placements confirmed and completed) by registering an expression here from
its `panels.py`, so this module never imports the apps above. An
expression is a function of the moment, `now`, returning a value correlated with the
year's row (`OuterRef("pk")`); `with_year_facts()` annotates a queryset of years with
every one, so a list of years reads them in its own query.
"""

import dataclasses
import datetime
from collections.abc import Callable

from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression
from django.utils import timezone

Fact = Callable[[datetime.datetime], BaseExpression]

_FACTS: dict[str, Fact] = {}


def register(name: str, fact: Fact) -> None:
    """Count `name` for every year that `with_year_facts()` reads."""
    if name not in {field.name for field in dataclasses.fields(YearFacts)}:
        raise ValueError(f"{name!r} is not one of a year's facts (partners.progress.YearFacts)")
    _FACTS[name] = fact


@dataclasses.dataclass(frozen=True)
class YearFacts:
    """How far a year has come, in counts. A fact no installed app counts stays 0."""

    confirmed: int = 0
    calls: int = 0
    calls_open: int = 0
    calls_closed: int = 0
    selected: int = 0
    placements: int = 0  # confirmed or completed
    placements_completed: int = 0

    @property
    def calls_waiting(self) -> int:
        """Calls made that have not opened yet."""
        return self.calls - self.calls_open - self.calls_closed


def with_year_facts(years: QuerySet, *, now: datetime.datetime | None = None) -> QuerySet:
    """`years` annotated with every fact, as `fact_<name>` (read them with `facts_of`)."""
    now = now or timezone.now()
    return years.annotate(**{f"fact_{name}": fact(now) for name, fact in _FACTS.items()})


def facts_of(year) -> YearFacts:
    """The facts `with_year_facts()` annotated on `year`."""
    return YearFacts(
        **{
            field.name: getattr(year, f"fact_{field.name}")
            for field in dataclasses.fields(YearFacts)
            if hasattr(year, f"fact_{field.name}")
        }
    )
