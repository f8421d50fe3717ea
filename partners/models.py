"""Organisations and the people who belong to them."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

PROGRAMME_MANAGERS_GROUP = "Programme managers"


class UserManager(DjangoUserManager):
    """People sign in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user_object(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.password = ""
        if password is not None:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def _create_user(self, email, password, **extra_fields):
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person: a member of staff somewhere, a coordinator, or the programme manager."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="partners_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


domain_list_validator = RegexValidator(
    r"^\s*([a-z0-9-]+(\.[a-z0-9-]+)+)(\s*,\s*[a-z0-9-]+(\.[a-z0-9-]+)+)*\s*$",
    _("Enter domains separated by commas, for example “britishmuseum.org, bm.ac.uk”."),
)


class OrganisationKind(models.TextChoices):
    MUSEUM = "museum", _("Museum")
    GALLERY = "gallery", _("Gallery")
    HERITAGE = "heritage", _("Heritage organisation")
    LIBRARY_ARCHIVE = "library_archive", _("Library or archive")
    OTHER = "other", _("Other")


class Nation(models.TextChoices):
    """The four UK nations: their bank holidays differ, and reports count them."""

    ENGLAND = "england", _("England")
    SCOTLAND = "scotland", _("Scotland")
    WALES = "wales", _("Wales")
    NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")


class Organisation(models.Model):
    """A museum, gallery or heritage organisation that can take part in the programme."""

    Kind = OrganisationKind
    Nation = Nation

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name for addresses"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    nation = models.CharField(_("UK nation"), max_length=20, choices=Nation.choices)
    region = models.CharField(_("region"), max_length=100, blank=True)
    town = models.CharField(_("town or city"), max_length=100)
    website = models.URLField(_("website"), blank=True)
    can_host = models.BooleanField(
        _("can host the programme"),
        default=False,
        help_text=_("Able to act as the host institution of a programme year."),
    )
    email_domains = models.CharField(
        _("staff email domains"),
        max_length=300,
        blank=True,
        validators=[domain_list_validator],
        help_text=_(
            "Staff who verify an email address at one of these domains join the "
            "organisation as staff. Separate several with commas."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="partners_organisation_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganisationKind.values),
                name="partners_organisation_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(nation__in=Nation.values),
                name="partners_organisation_nation_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]


class MembershipRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    COORDINATOR = "coordinator", _("Coordinator")


class Membership(models.Model):
    """A person's place at an organisation: as staff, or as its coordinator."""

    Role = MembershipRole

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.STAFF
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="partners_membership_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=MembershipRole.values),
                name="partners_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return _("%(person)s, %(role)s at %(organisation)s") % {
            "person": self.user,
            "role": self.get_role_display().lower(),
            "organisation": self.organisation,
        }

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR
