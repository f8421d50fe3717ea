import datetime

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from partners.models import (
    PROGRAMME_MANAGERS_GROUP,
    Membership,
    Organisation,
    Partnership,
    PartnershipStatusChange,
    ProgrammeYear,
    User,
)
from partners.services import programme_managers_group_sync

PASSWORD = "a-good-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can sign in: password PASSWORD, email already verified."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    call_emails = True  # as if they had opted in (see tests/core/test_privacy.py for the record)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Museum number {n}")
    slug = factory.Sequence(lambda n: f"museum-{n}")
    kind = Organisation.Kind.MUSEUM
    nation = Organisation.Nation.ENGLAND
    town = "York"
    email_domains = factory.LazyAttribute(lambda o: f"{o.slug}.example")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.STAFF


def staff_of(organisation: Organisation, **kwargs) -> User:
    return MembershipFactory(organisation=organisation, **kwargs).user


def coordinator_of(organisation: Organisation, **kwargs) -> User:
    return MembershipFactory(
        organisation=organisation, role=Membership.Role.COORDINATOR, **kwargs
    ).user


def programme_manager(**kwargs) -> User:
    user = UserFactory(is_staff=True, **kwargs)
    programme_managers_group_sync()
    user.groups.add(Group.objects.get(name=PROGRAMME_MANAGERS_GROUP))
    return user


class ProgrammeYearFactory(factory.django.DjangoModelFactory):
    """A year with dates in the programme's usual order; its host can host."""

    class Meta:
        model = ProgrammeYear
        django_get_or_create = ["year"]

    # Explicit years in tests are below 2040, so a sequence year never meets one.
    year = factory.Sequence(lambda n: 2040 + n % 60)
    host = factory.SubFactory(OrganisationFactory, can_host=True)
    partner_target = 5
    budget = 30000
    partners_confirmed_by = factory.LazyAttribute(lambda y: datetime.date(y.year, 1, 31))
    calls_open_on = factory.LazyAttribute(lambda y: datetime.date(y.year, 3, 1))
    calls_close_on = factory.LazyAttribute(lambda y: datetime.date(y.year, 4, 15))
    decisions_by = factory.LazyAttribute(lambda y: datetime.date(y.year, 5, 8))
    placements_start_on = factory.LazyAttribute(lambda y: datetime.date(y.year, 6, 1))
    placements_end_on = factory.LazyAttribute(lambda y: datetime.date(y.year, 12, 18))
    evaluations_due_on = factory.LazyAttribute(lambda y: datetime.date(y.year + 1, 1, 29))
    follow_up_on = factory.LazyAttribute(lambda y: datetime.date(y.year + 1, 6, 30))


class PartnershipFactory(factory.django.DjangoModelFactory):
    """An invitation; `confirmed=True` makes a confirmed partner, with its record."""

    class Meta:
        model = Partnership
        skip_postgeneration_save = True

    year = factory.SubFactory(ProgrammeYearFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    status = Partnership.Status.INVITED

    class Params:
        confirmed = factory.Trait(
            status=Partnership.Status.CONFIRMED,
            confirmed_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def record(obj, create, extracted, **kwargs):
        if create:
            PartnershipStatusChange.objects.create(partnership=obj, to_status=obj.status)
