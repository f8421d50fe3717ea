"""Every write to organisations, people, memberships and partnerships."""

import datetime
import logging
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import long_datetime
from core.mail import absolute_url, queue_templated_email
from core.models import Consent
from core.privacy import consent_set
from core.tokens import hash_token
from partners.models import (
    PROGRAMME_MANAGERS_GROUP,
    AccountInvitation,
    InvitationError,
    Membership,
    Organisation,
    Partnership,
    PartnershipError,
    ProgrammeYear,
    User,
)
from partners.permissions import coordinated_organisation_ids
from partners.selectors import (
    organisations_for_email,
    partnership_coordinators,
    programme_managers,
)

logger = logging.getLogger(__name__)

# The apps whose records the programme manager runs in the admin, and the
# third-party models that are part of running it: people's email addresses
# (to help someone who lost access) and the reminder schedule.
PROGRAMME_APP_LABELS = ("partners", "applications", "placements", "evaluations")
PROGRAMME_EXTRA_PERMISSIONS = (
    ("account", "view_emailaddress"),
    ("account", "change_emailaddress"),
    ("django_celery_beat", "view_periodictask"),
    ("django_celery_beat", "change_periodictask"),
    ("django_celery_beat", "view_crontabschedule"),
    ("core", "view_reminder"),
    ("core", "view_email"),
    # The privacy notice: published in versions, read by who acknowledged which; and
    # the record of who read someone's access requirements.
    ("core", "view_privacynotice"),
    ("core", "add_privacynotice"),
    ("core", "view_privacyacknowledgement"),
    ("core", "view_sensitiveread"),
    # People's requests to close their account, and their erasure; consents; what the
    # retention schedule removed.
    ("core", "view_accountclosure"),
    ("core", "change_accountclosure"),
    ("core", "view_consent"),
    ("core", "view_retentionrun"),
)


def programme_managers_group_sync() -> Group:
    """Make sure the "Programme managers" group exists with every permission the role needs.

    Side effects: creates the group if missing and sets its permissions; nothing is
    removed from the people in it. Called after every migrate, so permissions of new
    models reach the group without a data migration.
    """
    group, _created = Group.objects.get_or_create(name=PROGRAMME_MANAGERS_GROUP)
    permissions = list(Permission.objects.filter(content_type__app_label__in=PROGRAMME_APP_LABELS))
    for app_label, codename in PROGRAMME_EXTRA_PERMISSIONS:
        permissions.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def membership_join_by_email_domain(*, user: User, email: str) -> list[Membership]:
    """Give a person staff membership of each organisation whose email domain they verified.

    Called once an address is verified, so nobody can join an organisation with an
    address they do not control. An existing membership (perhaps as coordinator) is
    left as it is. Side effects: creates Membership rows; logs each.
    """
    joined = []
    for organisation in organisations_for_email(email=email):
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": Membership.Role.STAFF}
        )
        if created:
            logger.info("%s joined %s as staff by email domain", user.pk, organisation.pk)
            joined.append(membership)
    return joined


def target_reached_message(*, year: ProgrammeYear, confirmed_count: int) -> str:
    return _(
        "%(year)s already has %(count)s confirmed partners, which is its target of "
        "%(target)s. Withdraw a partner, or raise the target, before confirming another."
    ) % {"year": year.year, "count": confirmed_count, "target": year.partner_target}


def host_as_partner_message(*, organisation: Organisation, year: ProgrammeYear) -> str:
    return _("%(organisation)s hosts %(year)s, so it cannot also be one of its partners.") % {
        "organisation": organisation,
        "year": year.year,
    }


def withdraw_needs_reason_message() -> str:
    return _("Say why the partner is withdrawn.")


def _email_coordinators(*, partnership: Partnership, template: str, note: str = "") -> None:
    for person in partnership_coordinators(partnership=partnership):
        queue_templated_email(
            template=template,
            to=[person.email],
            context={
                "person": person,
                "partnership": partnership,
                "year": partnership.year,
                "note": note,
                "url": absolute_url(partnership.get_absolute_url()),
            },
        )


@transaction.atomic
def partnership_invite(
    *,
    year: ProgrammeYear,
    organisation: Organisation,
    by: User | None,
    sends_to_host: int = 1,
    hosts_from_host: int = 1,
) -> Partnership:
    """Invite an organisation to be a partner in a year.

    Side effects: creates the Partnership (invited) and its first status change; an
    email to the organisation's coordinators once committed, with the page where they
    accept or decline. (An organisation with no coordinator yet is approached in person.)
    """
    year = ProgrammeYear.objects.select_for_update().get(pk=year.pk)
    if organisation.pk == year.host_id:
        raise PartnershipError(host_as_partner_message(organisation=organisation, year=year))
    existing = Partnership.objects.filter(year=year, organisation=organisation).first()
    if existing is not None:
        raise PartnershipError(
            _("%(organisation)s already has a partnership in %(year)s (%(status)s).")
            % {
                "organisation": organisation,
                "year": year.year,
                "status": existing.get_status_display().lower(),
            }
        )
    partnership = Partnership.objects.create(
        year=year,
        organisation=organisation,
        invited_by=by,
        sends_to_host=sends_to_host,
        hosts_from_host=hosts_from_host,
    )
    partnership.record_change(from_status="", by=by)
    _email_coordinators(partnership=partnership, template="partnership_invited")
    return partnership


def decline_needs_reason_message() -> str:
    return _("Say why your organisation cannot take part, so the programme manager can plan.")


def partnership_answer(
    *, partnership: Partnership, by: User, accept: bool, note: str = ""
) -> Partnership:
    """The organisation's coordinator answers the invitation: accepting leaves the
    programme manager to confirm it; declining, with a reason, closes it.

    The row is locked, so an answer and the manager's confirmation at the same moment
    are taken one after the other. Side effects: a status change with the note; an
    email to each programme manager once committed.
    """
    if not accept and not note.strip():
        raise PartnershipError(decline_needs_reason_message(), field="note")
    with transaction.atomic():
        partnership = partnership.locked()
        if partnership.organisation_id not in coordinated_organisation_ids(by):
            raise PartnershipError(
                _("Only a coordinator of %(organisation)s can answer this invitation.")
                % {"organisation": partnership.organisation}
            )
        if partnership.status != Partnership.Status.INVITED:
            raise PartnershipError(
                _("This invitation is already answered: %(status)s.")
                % {"status": partnership.get_status_display().lower()}
            )
        to_status = Partnership.Status.ACCEPTED if accept else Partnership.Status.DECLINED
        partnership.transition(to_status, by=by, note=note)
        url = absolute_url(
            reverse("admin:partners_programmeyear_overview", args=[partnership.year_id])
        )
        for manager in programme_managers():
            queue_templated_email(
                template="partnership_answered",
                to=[manager.email],
                context={
                    "person": manager,
                    "partnership": partnership,
                    "year": partnership.year,
                    "by": by,
                    "note": note,
                    "url": url,
                },
            )
    return partnership


def partnership_confirm(*, partnership: Partnership, by: User | None) -> Partnership:
    """Confirm an invited organisation as a partner (whether or not its coordinator has
    accepted online: the manager may have heard in person), if the year has room.

    The year's row is locked first, so two managers confirming at once are counted
    one after the other. Side effects: a status change; an email to each of the
    partnership's coordinators once committed.
    """
    with transaction.atomic():
        year = ProgrammeYear.objects.select_for_update().get(pk=partnership.year_id)
        partnership = partnership.locked()
        partnership.refuse_unless_can_become(Partnership.Status.CONFIRMED)
        confirmed_count = year.partnerships.filter(status=Partnership.Status.CONFIRMED).count()
        if confirmed_count >= year.partner_target:
            raise PartnershipError(
                target_reached_message(year=year, confirmed_count=confirmed_count)
            )
        partnership.confirmed_by = by
        partnership.confirmed_at = timezone.now()
        partnership.transition(
            Partnership.Status.CONFIRMED, by=by, update_fields=["confirmed_by", "confirmed_at"]
        )
        _email_coordinators(partnership=partnership, template="partnership_confirmed")
    return partnership


def _partnership_move(
    *, partnership: Partnership, to_status: str, by: User | None, note: str
) -> Partnership:
    partnership = partnership.locked()
    update_fields = []
    if partnership.status == Partnership.Status.CONFIRMED:
        partnership.confirmed_by = None
        partnership.confirmed_at = None
        update_fields = ["confirmed_by", "confirmed_at"]
    partnership.transition(to_status, by=by, note=note, update_fields=update_fields)
    return partnership


@transaction.atomic
def partnership_decline(
    *, partnership: Partnership, by: User | None, note: str = ""
) -> Partnership:
    """Record that an invited organisation will not take part this year.

    Side effects: a status change with the note. No email: the organisation said no.
    """
    partnership = _partnership_move(
        partnership=partnership, to_status=Partnership.Status.DECLINED, by=by, note=note
    )
    return partnership


@transaction.atomic
def partnership_withdraw(*, partnership: Partnership, by: User | None, note: str) -> Partnership:
    """Withdraw a confirmed partner, which frees its place under the year's target.

    A reason is required: withdrawing is never silent. Side effects: a status change
    with the reason; an email with the reason to the partnership's coordinators.
    """
    if not note.strip():
        raise PartnershipError(withdraw_needs_reason_message())
    partnership = _partnership_move(
        partnership=partnership, to_status=Partnership.Status.WITHDRAWN, by=by, note=note
    )
    _email_coordinators(partnership=partnership, template="partnership_withdrawn", note=note)
    return partnership


@transaction.atomic
def partnership_reinvite(
    *, partnership: Partnership, by: User | None, note: str = ""
) -> Partnership:
    """Invite again an organisation that declined or was withdrawn.

    Side effects: a status change with the note; the invitation emailed again to the
    organisation's coordinators once committed.
    """
    partnership = _partnership_move(
        partnership=partnership, to_status=Partnership.Status.INVITED, by=by, note=note
    )
    _email_coordinators(partnership=partnership, template="partnership_invited")
    return partnership


# The words a person agrees to when they choose the call-opened email (kept with each
# consent given).
CALL_EMAILS_CONSENT = gettext_lazy(
    "Email me when my organisation opens a call for applications: once a year, to the "
    "address I sign in with. I can stop these emails at any time in my email preferences."
)


@transaction.atomic
def email_preferences_set(*, user: User, call_emails: bool) -> User:
    """A person chooses whether they are emailed when their organisation's call opens.

    Side effects: the choice and when it changed, and the consent given (with its words)
    or withdrawn (core.Consent)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.call_emails != call_emails:
        user.call_emails = call_emails
        user.call_emails_changed_at = timezone.now()
        user.save(update_fields=["call_emails", "call_emails_changed_at"])
    consent_set(
        user=user,
        purpose=Consent.Purpose.CALL_EMAILS,
        statement=str(CALL_EMAILS_CONSENT),
        given=call_emails,
    )
    return user


# --- People invited without an account ----------------------------------------------


@transaction.atomic
def person_invite(
    *,
    organisation: Organisation,
    email: str,
    full_name: str,
    job_title: str,
    department: str,
    by: User,
) -> tuple[AccountInvitation, str]:
    """An account, without a password, for someone new at `organisation`, and a link
    to join through. Asked again for someone invited who has not joined yet, it makes
    a new link and the old one stops working.

    Returns the invitation and its token, which only the caller's email carries (the
    caller knows why they are invited). Side effects: creates the person, their
    membership (as staff, with their job) and their email address, unverified until
    they join.
    """
    email = email.strip().lower()
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    domains = organisation.domain_list()
    if user is None and domains and email.rsplit("@", 1)[-1] not in domains:
        raise InvitationError(
            _("Use their %(organisation)s email address (ending in %(domains)s).")
            % {"organisation": organisation, "domains": _(" or ").join(domains)},
            field="email",
        )
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    elif (
        user.has_usable_password()
        or not user.account_invitations.filter(
            organisation=organisation, accepted_at__isnull=True
        ).exists()
    ):
        raise InvitationError(
            _("%(person)s already has an account: choose them from the list instead.")
            % {"person": user}
            if user.memberships.filter(organisation=organisation).exists()
            else _(
                "%(email)s belongs to someone who is not on %(organisation)s's staff here. "
                "Check the address, or ask the programme manager to add them."
            )
            % {"email": email, "organisation": organisation},
            field="email",
        )
    Membership.objects.update_or_create(
        user=user,
        organisation=organisation,
        defaults={"job_title": job_title.strip(), "department": department.strip()},
        create_defaults={
            "role": Membership.Role.STAFF,
            "job_title": job_title.strip(),
            "department": department.strip(),
        },
    )
    user.account_invitations.filter(accepted_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = AccountInvitation.objects.create(
        user=user,
        organisation=organisation,
        invited_by=by,
        token_hash=hash_token(token),
        expires_at=now + datetime.timedelta(days=settings.ACCOUNT_INVITATION_DAYS),
    )
    logger.info("%s invited %s to join %s", by, user, organisation)
    return invitation, token


def invitation_refuse_unusable(invitation: AccountInvitation | None) -> AccountInvitation:
    """Raise InvitationError with the reason a joining link cannot be used; else return it."""
    if invitation is None:
        raise InvitationError(
            _(
                "This link does not work: it may have been replaced by a newer one. Ask the "
                "coordinator who invited you to send it again."
            )
        )
    if invitation.accepted_at is not None:
        raise InvitationError(
            _("You have already joined with this link: sign in with your email address.")
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            _(
                "This link expired on %(date)s. Ask the coordinator who invited you to send "
                "it again."
            )
            % {"date": long_datetime(invitation.expires_at)}
        )
    return invitation


def invitation_accept(*, token: str, password: str) -> User:
    """Someone invited joins: their password is set and their address, proved by the
    link, verified; the link works once. Side effects: as said, in one transaction."""
    with transaction.atomic():
        invitation = invitation_refuse_unusable(
            AccountInvitation.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(token_hash=hash_token(token))
            .first()
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        user = invitation.user
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user,
            email__iexact=user.email,
            defaults={"verified": True, "primary": True},
            create_defaults={"email": user.email, "verified": True, "primary": True},
        )
    logger.info("%s joined through an invitation", user)
    return user
