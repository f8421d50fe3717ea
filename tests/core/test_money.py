"""Money is shown one way: £1,234.50."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.money import pounds


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("125"), "£125.00"),
        (Decimal("1234.5"), "£1,234.50"),
        (Decimal("0.01"), "£0.01"),
        (Decimal("-12"), "-£12.00"),
        (0, "£0.00"),
        ("1000000", "£1,000,000.00"),
    ],
)
def test_pounds(amount, shown):
    assert pounds(amount) == shown


def test_the_template_filter_says_the_same_and_nothing_for_no_amount():
    template = Template("{% load money %}[{{ a|pounds }}] [{{ b|pounds }}]")
    assert template.render(Context({"a": Decimal("1500"), "b": None})) == "[£1,500.00] []"
