"""Placements made through the services, so each is valid, approved and recorded."""

import datetime

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services as application_services
from applications.models import Application, Call
from partners.models import Organisation, User
from placements import services
from placements.models import Placement
from tests.factories.applications import submitted
from tests.factories.partners import staff_of

# A Monday in the 2031 window with no bank holiday anywhere in the UK that week.
FIRST_MONDAY = datetime.date(2031, 6, 2)

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def receipt(name: str = "receipt.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def select(
    application: Application, *, by: User, destination: Organisation, accept: bool = True
) -> Application:
    """Selected (confirmed without waiting for an endorsement) and told: the call's
    decisions are released, a minute after it closes, if they were not already; then
    the person accepts the place (unless `accept` is false)."""
    application = application_services.application_select(
        application=application, by=by, destination=destination, without_endorsement=True
    )
    release(application.call, by=by)
    application.refresh_from_db()
    if accept:
        application = application_services.place_accept(
            application=application, by=application.applicant
        )
    return application


def release(call: Call, *, by: User) -> Call:
    """The call's decisions released, a minute after it closes (if not already)."""
    call.refresh_from_db()
    if not call.decisions_released:
        with time_machine.travel(
            max(call.closes_at, timezone.now()) + datetime.timedelta(minutes=1)
        ):
            application_services.call_release_decisions(call=call, by=by)
        call.refresh_from_db()
    return call


def propose(
    application: Application,
    *,
    by: User,
    supervisor: User,
    start_on: datetime.date = FIRST_MONDAY,
) -> Placement:
    return services.placement_propose(
        application=application, by=by, supervisor=supervisor, start_on=start_on
    )


def confirm(placement: Placement, *, home_coordinator: User, host_coordinator: User) -> Placement:
    """Approve for each side still waiting (the proposer's side approved by proposing)."""
    placement.refresh_from_db()
    if placement.home_approved_at is None:
        placement = services.placement_approve(placement=placement, by=home_coordinator)
    if placement.host_approved_at is None:
        placement = services.placement_approve(placement=placement, by=host_coordinator)
    return placement


def claim(placement: Placement, *, amount: str = "12.50", **data):
    return services.expense_claim_submit(
        placement=placement,
        by=placement.participant,
        data={
            "kind": "subsistence",
            "description": "Lunch on day one",
            "spent_on": placement.start_on,
            "amount": amount,
            **data,
        },
        receipt=receipt(),
    )


def more_placements(cast, count: int) -> list[Placement]:
    """`count` more of A's staff placed at the host, supervised by Sid, proposed."""
    cast.call_a.places = count + 1
    cast.call_a.save()
    placements = []
    for number in range(count):
        application = select(
            submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a)),
            by=cast.coordinator,
            destination=cast.host,
        )
        start = datetime.date(2031, 6, 9) + datetime.timedelta(weeks=number)
        placements.append(
            propose(application, by=cast.coordinator, supervisor=cast.supervisor, start_on=start)
        )
    return placements


def confirmed_a(cast) -> Placement:
    """The cast's staff member of A placed at the host from FIRST_MONDAY, supervised by
    Sid, approved by both coordinators."""
    placement = propose(
        select(cast.application_a, by=cast.coordinator, destination=cast.host),
        by=cast.coordinator,
        supervisor=cast.supervisor,
    )
    return confirm(
        placement, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )
