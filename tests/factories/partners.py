import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from partners.models import PROGRAMME_MANAGERS_GROUP, Membership, Organisation, User
from partners.services import programme_managers_group_sync

PASSWORD = "a-good-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can sign in: password PASSWORD, email already verified."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
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
