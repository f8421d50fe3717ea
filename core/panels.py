"""Places on a page that apps above fill with sections of their own, so the page's
app never imports them (pretix's `event_dashboard_widgets`, said as a registry).

An app registers a section in its AppConfig.ready(): a template and a function of
(request, subject) that returns the template's context, or None when the section has
nothing to show to this person. The page renders the sections in `order`."""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

Context = Callable[[HttpRequest, Any], dict | None]


@dataclasses.dataclass(frozen=True)
class Section:
    template: str
    context: Context
    order: int


class Panels:
    """A named place on a page, filled by the apps that know what goes there."""

    def __init__(self, name: str):
        self.name = name
        self._sections: dict[str, Section] = {}

    def register(self, template: str, *, order: int, context: Context | None = None) -> None:
        """Add a section (registering the same template again replaces it)."""
        self._sections[template] = Section(template, context or _always, order)

    def render(self, request: HttpRequest, subject: Any = None) -> list[SafeString]:
        """Each section this person should see, rendered, in order."""
        rendered = []
        for section in sorted(self._sections.values(), key=lambda s: s.order):
            context = section.context(request, subject)
            if context is not None:
                rendered.append(render_to_string(section.template, context, request=request))
        return rendered


def _always(request: HttpRequest, subject: Any) -> dict:
    return {}


# The signed-in person's dashboard; the subject is the person.
DASHBOARD = Panels("dashboard")
# The programme manager's overview of a year in the admin; the subject is the year.
YEAR_OVERVIEW = Panels("year overview")
# Links at the top of the year overview (each section renders <li> items).
YEAR_OVERVIEW_TOOLS = Panels("year overview tools")
