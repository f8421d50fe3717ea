"""Money, shown one way everywhere: £1,234.50 (pages, emails, the admin, reports)."""

from decimal import Decimal


def pounds(amount: Decimal | int | float | str) -> str:
    """£1,234.50; a negative amount as -£12.00."""
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
