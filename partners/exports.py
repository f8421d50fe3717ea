"""Partners' parts of a person's subject access export (core.privacy)."""

from allauth.account.models import EmailAddress
from django.utils.translation import gettext_lazy as _

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
