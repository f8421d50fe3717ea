"""What needs each person now: the dashboard's to-do list, filled by every app.

An app registers, in its `panels.py`, a function of (request, user) returning the
items it knows of for one role (`MANAGER`, `COORDINATOR`, `READER`, `SUPERVISOR`,
`STAFF`):
each a counted link to the page where the work is done, with its deadline. A function
returns nothing when the person does not hold the role or has nothing to do; each
counts in the database, so the list costs the same however many rows there are.
"""

import dataclasses
import datetime
from collections.abc import Callable, Iterable

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MANAGER = "manager"
COORDINATOR = "coordinator"
READER = "reader"
SUPERVISOR = "supervisor"
STAFF = "staff"

ROLES = {
    MANAGER: _("As programme manager"),
    COORDINATOR: _("As coordinator"),
    READER: _("As a reader of applications"),
    SUPERVISOR: _("As a host supervisor"),
    STAFF: _("For your own placement"),
}


@dataclasses.dataclass(frozen=True)
class Item:
    """One thing to do: `link` (the words of the link, counted: "3 applications to
    decide") to `url`, then `detail`, a sentence that says where and by when."""

    link: str
    url: str
    detail: str = ""
    due: datetime.date | None = None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


Source = Callable[[HttpRequest, object], Iterable[Item]]

_SOURCES: dict[str, list[tuple[int, Source]]] = {role: [] for role in ROLES}


def register(role: str, source: Source, *, order: int) -> None:
    """Ask `source` for the person's items in `role`, in `order` among that role's."""
    _SOURCES[role] = sorted([*_SOURCES[role], (order, source)], key=lambda pair: pair[0])


def once(request: HttpRequest, key: str, read: Callable[[], list]) -> list:
    """`read()`, asked once a request however many roles' sources need it."""
    memo = request.__dict__.setdefault("_todo_reads", {})
    if key not in memo:
        memo[key] = read()
    return memo[key]


def items_for(request: HttpRequest, user) -> list[tuple[str, list[Item]]]:
    """Each role's heading with its items, for the roles that have any, in ROLES order."""
    found = []
    for role, heading in ROLES.items():
        items = [item for _order, source in _SOURCES[role] for item in source(request, user)]
        if items:
            found.append((str(heading), items))
    return found
