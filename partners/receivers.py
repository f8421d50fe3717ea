"""Signal receivers: the doors through which allauth and migrate reach our services."""

from allauth.account.signals import email_confirmed

from partners import services


def sync_programme_managers_group(**kwargs) -> None:
    services.programme_managers_group_sync()


def join_organisation_on_email_confirmed(request, email_address, **kwargs) -> None:
    services.membership_join_by_email_domain(user=email_address.user, email=email_address.email)


def connect() -> None:
    email_confirmed.connect(
        join_organisation_on_email_confirmed, dispatch_uid="partners.join_organisation"
    )
