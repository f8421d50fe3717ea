"""Signal receivers: the doors through which lower apps reach placements' services."""

from applications.signals import application_withdrawn
from placements import services


def cancel_placement_on_withdrawal(sender, application, by, **kwargs) -> None:
    services.placements_cancel_on_withdrawal(application=application, by=by)


def connect() -> None:
    application_withdrawn.connect(
        cancel_placement_on_withdrawal, dispatch_uid="placements.cancel_on_withdrawal"
    )
