"""What has happened in a programme year, counted in the database: the facts its stage
is worked out from, and the progress boards of the dashboard.

Each app counts its own facts (partners confirmed; calls made and open; people
selected; placements confirmed and completed; evaluations submitted) by registering an
expression here from its `panels.py`, so this module never imports the apps above. An
expression is a function of the moment, `now`, and organisations (None for the whole
year), correlated with the year's row (`OuterRef("pk")`); `with_year_facts()` annotates
a queryset of years with every one, so a list of years reads them in its own query.
"""

import dataclasses
import datetime
from collections.abc import Callable, Collection
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.db.models.expressions import BaseExpression
from django.utils import timezone

# A fact: (now, organisation ids or None) -> an expression correlated with the year's
# row. Given organisations, it counts their part alone (their partnerships, their calls,
# their people's placements coming and going), for their coordinators' board.
Fact = Callable[[datetime.datetime, Collection[int] | None], BaseExpression]

_FACTS: dict[str, Fact] = {}
Years = TypeVar("Years", bound=Model)


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
    evaluations: int = 0  # post-exchange evaluations submitted

    @property
    def calls_waiting(self) -> int:
        """Calls made that have not opened yet."""
        return self.calls - self.calls_open - self.calls_closed


def with_year_facts(
    years: QuerySet[Years],
    *,
    now: datetime.datetime | None = None,
    organisations: Collection[int] | None = None,
) -> QuerySet[Years]:
    """`years` annotated with every fact, as `fact_<name>` (read them with `facts_of`):
    the whole year's, or `organisations`' part of it."""
    now = now or timezone.now()
    return years.annotate(
        **{f"fact_{name}": fact(now, organisations) for name, fact in _FACTS.items()}
    )


def facts_of(year) -> YearFacts:
    """The facts `with_year_facts()` annotated on `year`."""
    return YearFacts(
        **{
            field.name: getattr(year, f"fact_{field.name}")
            for field in dataclasses.fields(YearFacts)
            if hasattr(year, f"fact_{field.name}")
        }
    )
