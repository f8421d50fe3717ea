"""A record's status label comes from its field's choices, translated when shown."""

from django.utils.functional import Promise

from applications.models import Application
from core.models import _choice_labels
from placements.models import ExpenseClaim


def test_a_status_is_shown_by_its_label():
    assert Application(status=Application.Status.DECLINED).get_status_display() == "Not selected"
    assert ExpenseClaim(status=ExpenseClaim.Status.SUBMITTED).get_status_display() == str(
        ExpenseClaim.Status.SUBMITTED.label
    )


def test_a_value_outside_the_choices_is_shown_as_it_is():
    assert Application(status="lost").get_status_display() == "lost"
    assert Application(host_response="").get_host_response_display() == ""


def test_the_labels_are_kept_lazy_so_each_request_has_its_own_language():
    labels = _choice_labels(Application._meta.get_field("status"))
    assert isinstance(labels[Application.Status.SELECTED], Promise)
    assert isinstance(Application(status="selected").get_status_display(), str)
