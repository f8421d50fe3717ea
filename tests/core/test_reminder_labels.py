"""A kind's label names its interval as the settings say, not as they once were."""

from core.reminders import KINDS


def test_a_label_names_the_interval_from_the_settings(settings):
    settings.REMINDER_STARTING_DAYS = 10
    settings.REMINDER_CALL_CLOSING_DAYS = [14, 3, 1]

    assert str(KINDS["placement_starting"].label) == (
        "Placement starting in 10 days (participant and supervisor)"
    )
    assert str(KINDS["call_closing"].label) == (
        "Call closing in 14 days, 3 days and 1 day (staff with a draft)"
    )
