"""The refusal every app's services raise when the programme's rules say no."""


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


def add_form_error(form, error: RuleError) -> None:
    """Put a service's refusal on the field it concerns, or on the whole form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
