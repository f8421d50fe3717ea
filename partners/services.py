"""Every write to organisations, people and memberships."""

import logging

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from partners.models import PROGRAMME_MANAGERS_GROUP, Membership, User
from partners.selectors import organisations_for_email

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
)


def programme_managers_group_sync() -> Group:
    """Make sure the "Programme managers" group exists with every permission the role needs.

    Side effects: creates the group if missing and sets its permissions; nothing is
    removed from the people in it. Called after every migrate, so permissions of new
    models reach the group without a data migration.
    """
    group, _ = Group.objects.get_or_create(name=PROGRAMME_MANAGERS_GROUP)
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
