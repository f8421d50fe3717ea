"""Lists that stay the same size however many rows and years the programme holds.

A list page shows one programme year at a time (the current one unless the person
chooses another), can be searched by name where people look for someone, and is
split into pages of `LIST_PAGE_SIZE`. The paginator never counts past
`LIST_MOST_ROWS`, so neither the count nor the deepest page's OFFSET grows with the
table: past that, the page asks the person to narrow the list.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class BoundedPaginator(Paginator):
    """A paginator that counts at most `most` rows; `capped` says there are more."""

    most = settings.LIST_MOST_ROWS

    @cached_property
    def count(self) -> int:
        # Counting needs neither the order nor the annotations: the database stops
        # after `most` + 1 rows of whatever index suits the filter.
        rows = cast(QuerySet, self.object_list)
        found = rows.order_by().values("pk")[: self.most + 1].count()
        self.capped = found > self.most
        return min(found, self.most)

    capped = False

    @cached_property
    def estimated_total(self) -> int | None:
        """About how many rows a capped list of a whole table holds, from PostgreSQL's
        statistics (kept for ten minutes), never counted; None for a filtered list, or
        where there are no statistics."""
        rows = cast(QuerySet, self.object_list)
        if not self.count or not self.capped or rows.query.where:
            return None
        connection = connections[rows.db]
        if connection.vendor != "postgresql":
            return None
        table = rows.model._meta.db_table
        key = f"estimated-rows:{table}"
        estimate = cache.get(key)
        if estimate is None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table]
                )
                estimate = cursor.fetchone()[0]
            cache.set(key, estimate, 600)
        return estimate if estimate > self.most else None


class PageFirstPaginator(BoundedPaginator):
    """Finds a page's rows first, by their ids alone (ordered, with only the joins the
    order needs), then reads just those rows with everything the page shows: the
    database never joins and annotates every row of a long list to sort it."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = cast(QuerySet, self.object_list)
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.order_by().filter(pk__in=ids)}
        return self._get_page([found[pk] for pk in ids], number, self)


class ListFilterForm(forms.Form):
    """The year shown (one at a time) and a name to look for."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    q = forms.CharField(label=_("Name"), max_length=100, required=False, strip=True)

    def __init__(self, data, *, years: list[int], searchable: bool):
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["year"]).choices = [(y, str(y)) for y in years]
        if not searchable:
            del self.fields["q"]


if TYPE_CHECKING:
    from django.views.generic import ListView

    _ListView = ListView
else:
    _ListView = object


def current_year(years: Iterable[int]) -> int | None:
    """The year a list shows first: this year, or else the nearest to it, the one to
    come on a tie (in December, with no programme this year, next year's calls are the
    work, not a year long past)."""
    this_year = timezone.localdate().year
    return min(years, key=lambda year: (abs(year - this_year), year < this_year), default=None)


class PagedListMixin(_ListView):
    """A ListView in pages of `LIST_PAGE_SIZE`, counted no further than `LIST_MOST_ROWS`.
    `page_query` in the context is the address's other parameters, for the page links."""

    paginate_by = settings.LIST_PAGE_SIZE
    paginator_class: type[Paginator] = PageFirstPaginator

    def paginate_queryset(self, queryset, page_size):
        """A page number past the end shows the last page, and one that is not a
        number the first: an address typed wrong still shows the list."""
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def page_parameters(self):
        """The address's parameters but the page: kept by the page links."""
        query = self.request.GET.copy()
        query.pop("page", None)
        return query

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "page_query": self.page_parameters().urlencode()}


class BoundedListMixin(PagedListMixin):
    """A ListView of one year at a time, optionally searched by name, in pages.

    The view names the years there are (`get_years()`, newest first), how its
    queryset is narrowed to a year (`filter_year(queryset, year)`), and the fields a
    name is looked for in (`search_fields`). The year shown when none is chosen is
    the current one (`default_year`).
    """

    search_fields: tuple[str, ...] = ()

    def get_years(self) -> list[int]:
        raise NotImplementedError

    def default_year(self, years: list[int]) -> int | None:
        return current_year(years)

    def filter_year(self, queryset, year: int):
        raise NotImplementedError

    @cached_property
    def years(self) -> list[int]:
        return self.get_years()

    @cached_property
    def list_filter(self) -> ListFilterForm:
        return ListFilterForm(
            self.request.GET or None, years=self.years, searchable=bool(self.search_fields)
        )

    @cached_property
    def chosen(self) -> dict:
        """The year and search asked for; a year there is not is the default one."""
        self.list_filter.is_valid()
        data = getattr(self.list_filter, "cleaned_data", {})  # the fields that are valid
        return {"year": data.get("year") or self.default_year(self.years), "q": data.get("q", "")}

    def narrow(self, queryset):
        year, search = self.chosen["year"], self.chosen["q"]
        if year is not None:
            queryset = self.filter_year(queryset, year)
        if search:
            found = Q()
            for name in self.search_fields:
                found |= Q(**{f"{name}__icontains": search})
            queryset = queryset.filter(found)
        return queryset

    def page_parameters(self):
        query = super().page_parameters()
        query["year"] = str(self.chosen["year"] or "")
        return query

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {
            **context,
            "list_filter": self.list_filter,
            "shown_year": self.chosen["year"],
            "search": self.chosen["q"],
        }
