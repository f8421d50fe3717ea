"""Signal receivers: the doors through which migrate reaches our services."""

from applications import services


def ensure_default_rubric(**kwargs) -> None:
    services.rubric_default()
