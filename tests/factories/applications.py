"""Calls and applications made through the services, so each is valid and recorded."""

import datetime

from django.utils import timezone

from applications import services
from applications.models import Application, Call
from partners.models import Organisation, ProgrammeYear, User

ANSWERS = {
    "job_title": "Curator",
    "department": "Collections",
    "specialism": Application.Specialism.CURATORIAL,
    "career_level": Application.CareerLevel.MID,
    "line_manager_name": "Lina Manager",
    "line_manager_email": "lina.manager@example.org",
    "learning_goals": "How a partner museum lends to small venues.",
    "can_share": "Our work with community curators.",
    "departments_of_interest": "Loans, learning.",
    "availability": "Any week in September.",
    "access_requirements": "Step-free access, please.",
}


def open_call(
    *, year: ProgrammeYear, organisation: Organisation, places: int = 1, **kwargs
) -> Call:
    """A call of the host or a confirmed partner, open from yesterday for thirty days."""
    now = timezone.now()
    return services.call_create(
        year=year,
        organisation=organisation,
        by=None,
        opens_at=kwargs.pop("opens_at", now - datetime.timedelta(days=1)),
        closes_at=kwargs.pop("closes_at", now + datetime.timedelta(days=30)),
        places=places,
        **kwargs,
    )


def draft(*, call: Call, applicant: User, **answers) -> Application:
    """A draft with every answer given (override any; pass None to leave one out)."""
    application = services.application_start(call=call, applicant=applicant)
    data = {
        **ANSWERS,
        "first_preference": call.destinations.order_by("name").first(),
        **answers,
    }
    return services.application_save_draft(application=application, by=applicant, data=data)


def submitted(*, call: Call, applicant: User, **answers) -> Application:
    application = draft(call=call, applicant=applicant, **answers)
    return services.application_submit(application=application, by=applicant)
