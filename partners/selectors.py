"""Reads of organisations and memberships, with the query shape each page needs."""

from django.db.models import Count, QuerySet

from partners.models import Membership, Organisation, User


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """The person's memberships, coordinator roles first, with their organisations
    and how many people each organisation has on the site."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .annotate(staff_count=Count("organisation__memberships"))
        .order_by("-role", "organisation__name")
    )


def organisations_for_email(*, email: str) -> list[Organisation]:
    """Organisations whose staff email domains include the domain of this address."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain:
        return []
    candidates = Organisation.objects.filter(email_domains__icontains=domain)
    return [organisation for organisation in candidates if domain in organisation.domain_list()]
