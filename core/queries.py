"""Query pieces every app uses."""

from django.db.models import IntegerField, QuerySet, Subquery


class SubqueryCount(Subquery):
    """How many rows a correlated queryset (one with an `OuterRef`) has, per outer row.

    A count in a subquery, not `Count()` over a join: the outer query keeps its rows
    unmultiplied and ungrouped, which keeps it cheap to plan and to read a page of.
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"

    def __init__(self, queryset: QuerySet, **extra):
        super().__init__(queryset.order_by().values("pk"), output_field=IntegerField(), **extra)
