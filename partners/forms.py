from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from core.reminders import kind_choices
from partners.models import TO_CONFIRM, YEAR_DATE_ORDER, Membership, Partnership, ProgrammeYear
from partners.selectors import partnerships_with_details
from partners.services import (
    CALL_EMAILS_CONSENT,
    decline_needs_reason_message,
    email_preferences_set,
    host_as_partner_message,
    withdraw_needs_reason_message,
)


class SignupForm(forms.Form):
    """The extra field allauth's sign-up form asks for."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("As your colleagues know you; coordinators will see it."),
    )

    call_emails = forms.BooleanField(
        label=CALL_EMAILS_CONSENT,
        required=False,
        help_text=_("Optional. You are always emailed about your own applications."),
    )

    field_order = ["full_name", "email", "password1", "password2", "call_emails"]

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
        if self.cleaned_data.get("call_emails"):
            email_preferences_set(user=user, call_emails=True)


class PersonInviteForm(forms.Form):
    """Someone without an account, as the coordinator inviting them knows them."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        error_messages={"required": _("Enter the person's full name.")},
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("Their work address: the invitation goes there."),
        error_messages={
            "required": _("Enter the person's email address."),
            "invalid": _("Enter an email address like name@museum.org.uk."),
        },
    )
    job_title = forms.CharField(
        label=_("Job title"),
        max_length=150,
        error_messages={"required": _("Enter their job title, so others know who they are.")},
    )
    department = forms.CharField(label=_("Department (optional)"), max_length=150, required=False)


class JoinForm(SetPasswordForm):
    """The password someone invited chooses, as they join."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password2"].label = _("The same password again")
        self.fields["new_password2"].help_text = ""


class PartnershipStatusForm(forms.Form):
    """The manager moves a partnership on: to the statuses its current one allows."""

    to_status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when withdrawing a partner; the coordinators will read it."),
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership = partnership
        # Accepting is the organisation's answer, not the manager's: they confirm.
        self.fields["to_status"].choices = [
            (status.value, status.label)
            for status in partnership.Status
            if partnership.can_transition_to(status) and status != partnership.Status.ACCEPTED
        ]

    def clean(self):
        cleaned = super().clean()
        withdrawing = cleaned.get("to_status") == self.partnership.Status.WITHDRAWN
        if withdrawing and not cleaned.get("note", "").strip():
            self.add_error("note", withdraw_needs_reason_message())
        return cleaned


class EmailPreferencesForm(forms.Form):
    """The emails a person may choose not to get (those their work needs, they always
    get)."""

    call_emails = forms.BooleanField(
        label=CALL_EMAILS_CONSENT,
        required=False,
        help_text=_("You are always emailed about your own applications and placements."),
    )


class PartnershipAnswerForm(forms.Form):
    """A coordinator's answer to their organisation's invitation."""

    accept = forms.TypedChoiceField(
        label=_("Can your organisation take part?"),
        choices=[
            ("yes", _("Yes, we accept the invitation")),
            ("no", _("No, we decline it this year")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether your organisation can take part.")},
    )
    note = forms.CharField(
        label=_("Note for the programme manager"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required if you decline: say why, so the programme manager can plan."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("accept") is False and not cleaned.get("note", "").strip():
            self.add_error("note", decline_needs_reason_message())
        return cleaned


class ConfirmInvitationsForm(forms.Form):
    """The year overview's checklist of invitations to confirm."""

    partnerships: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Invitations to confirm"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one invitation to confirm.")},
    )

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnerships"].queryset = (
            partnerships_with_details()
            .filter(year=year, status__in=TO_CONFIRM)
            .order_by("organisation__name")
        )
        self.fields["partnerships"].label_from_instance = self.label

    @staticmethod
    def label(partnership: Partnership) -> str:
        # Each year opens to new organisations: a returning one says so, and one
        # whose coordinator has accepted online says that.
        notes: list[str] = []
        if partnership.status == Partnership.Status.ACCEPTED:
            notes.append(str(_("accepted")))
        if getattr(partnership, "is_returning", False):  # annotated by the queryset
            notes.append(str(_("returning partner")))
        if not notes:
            return partnership.organisation.name
        return _("%(organisation)s (%(notes)s)") % {
            "organisation": partnership.organisation.name,
            "notes": ", ".join(notes),
        }


class ProgrammeYearAdminForm(forms.ModelForm):
    """The year's own checks, plus the rules that involve its partnerships."""

    class Meta:
        model = ProgrammeYear
        fields = ["year", "host", "partner_target", "budget", *YEAR_DATE_ORDER, "reminders_off"]

    reminders_off = forms.MultipleChoiceField(
        label=_("Reminders switched off"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kinds of reminder not sent for this year's records. The rest are sent."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reminders_off"].choices = kind_choices()

    def clean_host(self):
        host = self.cleaned_data["host"]
        year = self.instance
        if year.pk and year.partnerships.filter(organisation=host).exists():
            raise forms.ValidationError(
                _("%(organisation)s is already a partner in %(year)s, so it cannot host it.")
                % {"organisation": host, "year": year.year}
            )
        return host

    def clean_partner_target(self):
        target = self.cleaned_data["partner_target"]
        if self.instance.pk:
            confirmed = self.instance.partnerships.filter(
                status=Partnership.Status.CONFIRMED
            ).count()
            if target < confirmed:
                raise forms.ValidationError(
                    _(
                        "%(year)s already has %(count)s confirmed partners: withdraw some "
                        "before lowering the target below %(count)s."
                    )
                    % {"year": self.instance.year, "count": confirmed}
                )
        return target


class PartnershipAdminForm(forms.ModelForm):
    """Checks a partnership's organisation against its year's host, and its coordinators."""

    class Meta:
        model = Partnership
        fields = ["year", "organisation", "sends_to_host", "hosts_from_host", "coordinators"]

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        year = cleaned.get("year") or self._year()
        if organisation and year and organisation.pk == year.host_id:
            self.add_error(
                "organisation" if "organisation" in self.fields else None,
                host_as_partner_message(organisation=organisation, year=year),
            )
        coordinators = cleaned.get("coordinators")
        if organisation and coordinators:
            allowed = set(
                Membership.objects.filter(
                    organisation=organisation, role=Membership.Role.COORDINATOR
                ).values_list("user_id", flat=True)
            )
            outsiders = [person for person in coordinators if person.pk not in allowed]
            if outsiders:
                self.add_error(
                    "coordinators",
                    _("Not a coordinator of %(organisation)s: %(people)s.")
                    % {
                        "organisation": organisation,
                        "people": ", ".join(str(person) for person in outsiders),
                    },
                )
        return cleaned

    def _year(self):
        # In the year's inline the year is the parent being edited, perhaps not yet saved.
        return getattr(self.instance, "year", None)
