"""The refusal every app's services raise when the programme's rules say no, and the
one way views and the admin put it in front of a person."""

from collections.abc import Iterator
from contextlib import contextmanager


class RuleError(Exception):
    """A change the programme's rules refuse; the message is for people.

    `field` names the form field the message belongs to, where there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    @classmethod
    def refuse_first(cls, problems: dict[str, str]) -> None:
        """Raise the first of a {field: message} dict of problems, if there is one."""
        if problems:
            field, message = next(iter(problems.items()))
            raise cls(message, field=field)


def add_form_error(form, error: RuleError, *, default_field: str | None = None) -> None:
    """Put a service's refusal on the field it concerns, or on `default_field`, or on
    the whole form."""
    field = error.field if error.field in form.fields else default_field
    form.add_error(field, error.message)


@contextmanager
def refusals_on(form, *, default_field: str | None = None) -> Iterator[None]:
    """Run a service; if the rules refuse, put the refusal on the form (then
    `form.is_valid()` is false) instead of raising it."""
    try:
        yield
    except RuleError as error:
        add_form_error(form, error, default_field=default_field)
