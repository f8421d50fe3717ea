"""Partners' part of a person's data: their account and organisations, in their subject
access export (core.privacy) and at their erasure (core.erasure), when the account
becomes an erased shell that the records kept for the figures still point to."""

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.erasure import ANONYMISED, DELETED, Step, Subject, register_erasure
from core.privacy import Section, not_exported, records, register_section
from partners.models import AccountInvitation, Membership, User

register_section(
    Section(
        key="account",
        title=_("Your account"),
        rows=lambda user: (
            records(
                User.objects.filter(pk=user.pk),
                ["full_name", "email", "date_joined", "last_login", "is_active", "call_emails"],
            )
            + records(
                EmailAddress.objects.filter(user=user).order_by("pk"),
                ["email", "verified", "primary"],
            )
        ),
    )
)
register_section(
    Section(
        key="memberships",
        title=_("Your organisations"),
        rows=lambda user: (
            records(
                Membership.objects.filter(user=user).select_related("organisation"),
                ["organisation", "role", "job_title", "department", "created_at"],
            )
            + records(
                AccountInvitation.objects.filter(user=user).select_related("organisation"),
                ["organisation", "invited_by", "created_at", "accepted_at"],
            )
        ),
        links=("partners.Membership.user", "partners.AccountInvitation.user"),
    )
)
not_exported(
    _("What they did as a coordinator or the programme manager, in records about others."),
    "partners.AccountInvitation.invited_by",
    "partners.Partnership.invited_by",
    "partners.Partnership.confirmed_by",
    "partners.PartnershipStatusChange.by",
)


def account_erase(rows: QuerySet, subject: Subject) -> None:
    """The account becomes a shell with no name, address or way in: the applications,
    placements and ratings kept for the programme's figures point to it."""
    user = subject.user
    user.full_name = _("Erased person")
    user.email = f"erased-{user.pk}@erased.invalid"
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.call_emails = False
    user.call_emails_changed_at = user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


register_erasure(
    Step(
        "memberships",
        _("Your organisations, job titles and departments"),
        DELETED,
        lambda s: Membership.objects.filter(user=s.user),
    ),
    Step(
        "invitations",
        _("Invitations to join"),
        DELETED,
        lambda s: AccountInvitation.objects.filter(user=s.user),
    ),
    Step(
        "email_addresses",
        _("Your email addresses"),
        DELETED,
        lambda s: EmailAddress.objects.filter(user=s.user),
    ),
    Step(
        "account",
        _("Your account: name, address and password removed, signing in closed"),
        ANONYMISED,
        lambda s: User.objects.filter(pk=s.user.pk),
        account_erase,
    ),
)
