from django import template

from core import money

register = template.Library()


@register.filter
def pounds(amount) -> str:
    """{{ claim.amount|pounds }}: £1,234.50, as core.money.pounds."""
    if amount is None or amount == "":
        return ""
    return money.pounds(amount)
