from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import (
    APPLICANT_ANSWERS,
    DESCRIPTOR_FIELDS,
    NOT_YET_ACCEPTED,
    REQUIRED_TO_SUBMIT,
    Application,
    Call,
    Conflict,
    Endorsement,
    Rubric,
    Scale,
)
from applications.services import answer_problems, call_problems
from core.dates import long_date
from partners.models import Membership, Organisation, ProgrammeYear, User
from partners.selectors import people_at


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ApplicationForm(forms.ModelForm):
    """The applicant's form. "Save draft" keeps whatever is there; "Submit" needs
    every required answer, each missing one marked on its field."""

    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them

    SAVE, SUBMIT = "save", "submit"

    class Meta:
        model = Application
        fields = APPLICANT_ANSWERS
        widgets = {
            "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "line_manager_email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "learning_goals": _text(6),
            "can_share": _text(),
            "departments_of_interest": _text(3),
            "availability": _text(3),
            "access_requirements": _text(3),
        }

    privacy_notice = forms.BooleanField(
        label=_("I have read the privacy notice (needed to submit)"),
        required=False,
        help_text=_("It says who sees your application, why, and how long it is kept."),
    )

    def __init__(self, *args, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        call = self.instance.call
        destinations = call.destinations.all()
        for name in ("first_preference", "second_preference"):
            self.fields[name].queryset = destinations
            self.fields[name].empty_label = _("Choose…")
        self.fields["second_preference"].empty_label = _("No second choice")
        if len(destinations) < 2:
            del self.fields["second_preference"]
        window = {
            "start": long_date(call.year.placements_start_on),
            "end": long_date(call.year.placements_end_on),
        }
        self.fields["availability"].help_text = (
            _("Placements run between %(start)s and %(end)s. Which weeks could you go, or not go?")
            % window
        )
        # Every field is optional for a draft; these are marked as needed to submit.
        for name in REQUIRED_TO_SUBMIT:
            field = self.fields[name]
            field.required = False
            field.widget.attrs["aria-required"] = "true"
            field.label = _("%(label)s (needed to submit)") % {"label": field.label}
        for name in ("specialism", "career_level"):
            self.fields[name].choices = [
                ("", _("Choose…")),
                *getattr(Application._meta.get_field(name), "choices", ()),
            ]

    def clean(self):
        cleaned = super().clean()
        if self.submitting and not cleaned.get("privacy_notice"):
            self.add_error(
                "privacy_notice", _("Say that you have read the privacy notice before you submit.")
            )
        if self.submitting:
            for name in REQUIRED_TO_SUBMIT:
                if name in self.fields and not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        _("Answer this before you submit: %(label)s.")
                        % {"label": Application._meta.get_field(name).verbose_name},
                    )
        first, second = cleaned.get("first_preference"), cleaned.get("second_preference")
        problems = answer_problems(
            applicant=self.instance.applicant,
            first_preference=first.pk if first else None,
            second_preference=second.pk if second else None,
            line_manager_email=cleaned.get("line_manager_email") or "",
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def _post_clean(self):
        # The services validate against the database; a draft may be incomplete,
        # so the model's full_clean (which would demand nothing) is skipped.
        pass


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Anything you would like your coordinator to know (optional)"),
        required=False,
        widget=_text(3),
    )


class PlaceForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Will you take the place?"),
        choices=[
            ("accept", _("Yes, I accept the place")),
            ("decline", _("No, I decline the place")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you accept or decline the place.")},
    )
    note = forms.CharField(
        label=_("Anything you would like your coordinator to know (optional)"),
        required=False,
        widget=_text(3),
        help_text=_("If you decline, your coordinator reads this."),
    )


class EndorsementResendForm(forms.Form):
    line_manager_name = forms.CharField(label=_("Your line manager's name"), max_length=150)
    line_manager_email = forms.EmailField(
        label=_("Your line manager's email address"),
        help_text=_("Correct it here if the first request went to the wrong address."),
    )


class EndorsementForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=_("Do you endorse this application?"),
        choices=[
            ("yes", _("Yes, I endorse the time away for this placement")),
            ("no", _("No, I do not endorse it")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you endorse the application.")},
    )
    comment = forms.CharField(
        label=_("Comment for the coordinator (optional)"),
        required=False,
        widget=_text(4),
        help_text=_("The applicant's coordinator reads this."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") is False and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say why, so the coordinator can take it into account."))
        return cleaned


class DecisionForm(forms.Form):
    """A coordinator's decision: only the moves the application's status allows."""

    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    destination = forms.ModelChoiceField(
        label=_("Destination, if selected"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    without_endorsement = forms.BooleanField(
        label=_("Select without an endorsement from the line manager"),
        required=False,
        help_text=_(
            "Their line manager has not endorsed this application. Tick to confirm you are "
            "selecting them anyway: this is recorded."
        ),
    )
    reason = forms.CharField(
        label=_("Reason, if not selected"),
        required=False,
        widget=_text(4),
        help_text=_("The applicant reads this. Be kind and specific."),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        if any(
            endorsement.decision == Endorsement.Decision.ENDORSED
            for endorsement in application.current_endorsements  # type: ignore[attr-defined]
        ):
            del self.fields["without_endorsement"]
        self.fields["decision"].choices = [
            (status.value, status.label)
            for status in Application.DECISIONS
            if application.can_transition_to(status)
        ]
        destinations = application.call.destinations.all()
        self.fields["destination"].queryset = destinations
        self.fields["destination"].initial = application.first_preference_id
        self.fields["destination"].empty_label = _("Choose…")

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == Application.Status.SELECTED and not cleaned.get("destination"):
            self.add_error("destination", _("Choose where the applicant will go."))
        if decision == Application.Status.DECLINED and not cleaned.get("reason", "").strip():
            self.add_error(
                "reason", _("Say why the application is not selected: the applicant reads this.")
            )
        return cleaned


class HostResponseForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Your answer"),
        choices=Application.HostResponse.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you agree to host.")},
    )
    note = forms.CharField(
        label=_("Note for the home coordinator"),
        required=False,
        widget=_text(3),
        help_text=_("Required when you raise a concern."),
    )

    def clean(self):
        cleaned = super().clean()
        concern = cleaned.get("response") == Application.HostResponse.CONCERN
        if concern and not cleaned.get("note", "").strip():
            self.add_error(
                "note", _("Say what the concern is, so the home coordinator can act on it.")
            )
        return cleaned


class ReviewFilterForm(forms.Form):
    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them
    status = forms.ChoiceField(label=_("Status"), required=False)
    # Chosen among the call's destinations, which the call was read with.
    destination = forms.TypedChoiceField(
        label=_("Destination"), required=False, coerce=int, empty_value=None
    )
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("submitted", _("Oldest first")),
            ("-submitted", _("Newest first")),
            ("score", _("Highest score first")),
        ],
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("Any status")),
            *[
                (value, label)
                for value, label in Application.Status.choices
                if value != Application.Status.DRAFT
            ],
            (NOT_YET_ACCEPTED, _("Selected, place not yet accepted")),
        ]
        self.fields["destination"].choices = [("", _("Any destination"))] + [
            (organisation.pk, organisation.name) for organisation in call.destinations.all()
        ]


class CallGuidanceForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = ["eligibility", "guidance"]
        widgets = {"eligibility": _text(3), "guidance": _text(8)}


class CallAdminForm(forms.ModelForm):
    """Ties the programme's rules for a call to the field to change."""

    class Meta:
        model = Call
        fields = [
            "year",
            "organisation",
            "opens_at",
            "closes_at",
            "places",
            "accept_within_days",
            "destinations",
            "eligibility",
            "guidance",
        ]

    def clean(self):
        cleaned = super().clean()
        year, organisation = cleaned.get("year"), cleaned.get("organisation")
        if year and organisation:
            problems = call_problems(
                year=year,
                organisation=organisation,
                opens_at=cleaned.get("opens_at"),
                closes_at=cleaned.get("closes_at"),
                destinations=cleaned.get("destinations"),
            )
            for field, message in problems.items():
                self.add_error(field if field in self.fields else None, message)
        places = cleaned.get("places")
        if self.instance.pk and places:
            selected = self.instance.applications.filter(status=Application.Status.SELECTED)
            if places < (count := selected.count()):
                self.add_error(
                    "places",
                    _("%(count)s people are already selected: keep at least %(count)s places.")
                    % {"count": count},
                )
        return cleaned


class CallsForYearForm(forms.Form):
    year = forms.ModelChoiceField(
        label=_("Programme year"), queryset=ProgrammeYear.objects.select_related("host")
    )


class ExportForm(forms.Form):
    year = forms.ModelChoiceField(label=_("Programme year"), queryset=ProgrammeYear.objects.all())
    include_access_requirements = forms.BooleanField(
        label=_("Include access requirements"),
        required=False,
        help_text=_("Private information: include it only if you need it, and keep the file safe."),
    )


class ConflictForm(forms.Form):
    """A reader's declaration, before reading, of any conflict with the applicant."""

    conflict = forms.ChoiceField(
        label=_("Do you have a conflict of interest with this applicant?"),
        choices=Conflict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you have a conflict.")},
    )
    note = forms.CharField(
        label=_("About the conflict"),
        required=False,
        widget=_text(3),
        help_text=_(
            "Needed for another reason. The coordinator and the programme manager read it."
        ),
    )


class ScoresForm(forms.Form):
    """A reader's score for each criterion of the call's rubric (each described score a
    choice), a comment on each, and one for the coordinator."""

    comment = forms.CharField(
        label=_("Your comment for the coordinator"),
        required=False,
        widget=_text(4),
        help_text=_(
            "What stood out. The coordinator may draw on it for the feedback the applicant "
            "reads, so write it as you would to them."
        ),
    )

    def __init__(self, *args, rubric: Rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(rubric.criteria.all())
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.title,
                help_text=criterion.guidance,
                choices=[(n, f"{n}: {text}") for n, text in criterion.descriptors(rubric.scale)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": criterion.title.lower()},
                required=False,
                widget=_text(2),
            )
        # The overall comment comes last.
        self.fields["comment"] = self.fields.pop("comment")

    def criterion_fields(self):
        """Each criterion's score and comment fields, in order, for the template."""
        return [
            (self[f"score_{criterion.pk}"], self[f"note_{criterion.pk}"])
            for criterion in self.criteria
        ]

    def scores(self) -> dict[int, tuple[int | None, str]]:
        return {
            criterion.pk: (
                self.cleaned_data.get(f"score_{criterion.pk}"),
                self.cleaned_data.get(f"note_{criterion.pk}", ""),
            )
            for criterion in self.criteria
        }


READERS_SHOWN = 50  # people offered at once as readers; a search finds the rest


class RubricForm(forms.Form):
    """A call's rubric: its scale, then each criterion (title, what readers look for,
    weight, what each score means) in a group of its own, to change or remove, and
    one more to add. Row n is the rubric's nth criterion, so no id is posted."""

    fields: dict[str, Any]  # each field as its own type
    scale = forms.TypedChoiceField(
        label=_("Scale"), choices=Scale.choices, coerce=int, widget=forms.RadioSelect
    )
    ADD = 1  # empty rows offered to add a criterion

    def __init__(self, *args, rubric: Rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("scale", rubric.scale)
        existing = list(rubric.criteria.all())
        self.rows: list[dict] = []
        for number, criterion in enumerate([*existing, *[None] * self.ADD], start=1):
            prefix = f"criterion-{number}"
            names = {
                "title": forms.CharField(label=_("Title"), max_length=150, required=False),
                "guidance": forms.CharField(
                    label=_("What readers look for (optional)"), required=False, widget=_text(2)
                ),
                "weight": forms.IntegerField(
                    label=_("Weight, from 1 to 10"),
                    min_value=1,
                    max_value=10,
                    required=False,
                    error_messages=dict.fromkeys(
                        ("invalid", "min_value", "max_value"),
                        _("Give criterion %(number)s a weight from 1 to 10.") % {"number": number},
                    ),
                ),
                **{
                    name: forms.CharField(
                        label=_("What a %(score)s means") % {"score": score}
                        if score < Scale.FIVE
                        else _("What a 5 means (on a scale of 1 to 5 only)"),
                        max_length=300,
                        required=False,
                    )
                    for score, name in enumerate(DESCRIPTOR_FIELDS, start=1)
                },
            }
            if criterion:
                names["remove"] = forms.BooleanField(
                    label=_("Remove this criterion"), required=False
                )
            for name, field in names.items():
                field.initial = getattr(criterion, name, None) if name != "remove" else False
                self.fields[f"{prefix}-{name}"] = field
            self.rows.append({"number": number, "criterion": criterion, "prefix": prefix})

    def row_fields(self):
        """Each row with its bound fields, for the template."""
        for row in self.rows:
            yield {
                **row,
                "fields": [
                    self[name] for name in self.fields if name.startswith(row["prefix"] + "-")
                ],
            }

    def clean(self):
        cleaned = super().clean()
        scale = cleaned.get("scale") or Scale.FOUR
        self.criteria: list[dict] = []
        for row in self.rows:
            prefix, number = row["prefix"], row["number"]
            values = {
                name.removeprefix(prefix + "-"): value
                for name, value in cleaned.items()
                if name.startswith(prefix + "-")
            }
            if values.pop("remove", False):
                continue
            if row["criterion"] is None and not any(
                values.get(name) for name in ("title", "guidance", *DESCRIPTOR_FIELDS)
            ):
                continue  # the row to add, left empty
            if not values.get("title") and f"{prefix}-title" not in self.errors:
                self.add_error(
                    f"{prefix}-title",
                    _("Give criterion %(number)s a title.") % {"number": number},
                )
            if values.get("weight") is None and f"{prefix}-weight" not in self.errors:
                self.add_error(
                    f"{prefix}-weight",
                    _("Give criterion %(number)s a weight from 1 to 10.") % {"number": number},
                )
            for score, name in enumerate(DESCRIPTOR_FIELDS[:scale], start=1):
                if not values.get(name) and f"{prefix}-{name}" not in self.errors:
                    self.add_error(
                        f"{prefix}-{name}",
                        _("Say what a %(score)s means for criterion %(number)s.")
                        % {"score": score, "number": number},
                    )
            if scale == Scale.FOUR:
                values["descriptor_5"] = ""
            self.criteria.append({"id": getattr(row["criterion"], "pk", None), **values})
        if not self.criteria and not self.errors:
            raise forms.ValidationError(_("A rubric needs at least one criterion."))
        return cleaned


class PanelSettingsForm(forms.ModelForm):
    """How a call's applications are read."""

    readers_per_application = forms.IntegerField(
        label=_("Readers per application"),
        min_value=1,
        max_value=5,
        help_text=_("How many readers score each application, from 1 to 5."),
    )

    class Meta:
        model = Call
        fields = ["readers_per_application", "anonymised"]


class ReaderAddForm(forms.Form):
    """Someone at the call's organisation or a destination, to read its applications:
    the list offers those matching the page's search, at most READERS_SHOWN."""

    fields: dict[str, Any]  # each field as its own type

    membership = forms.ModelChoiceField(
        label=_("Person to add"),
        queryset=Membership.objects.none(),
        error_messages={
            "required": _("Choose who is to read."),
            "invalid_choice": _("Choose someone from the list."),
        },
    )

    def __init__(self, *args, organisation_ids, readers: list, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        taken = {reader.user_id for reader in readers}
        field = self.fields["membership"]
        field.queryset = people_at(organisation_ids=organisation_ids).exclude(user__in=taken)
        shown = list(
            people_at(organisation_ids=organisation_ids, search=search).exclude(user__in=taken)[
                : READERS_SHOWN + 1
            ]
        )
        self.more = len(shown) > READERS_SHOWN
        field.widget.choices = [("", _("Choose…"))] + [
            (m.pk, _person_at(m)) for m in shown[:READERS_SHOWN]
        ]


def _person_at(membership: Membership) -> str:
    details = ", ".join(x for x in (membership.job_title, membership.department) if x)
    name = f"{membership.user.full_name} ({details})" if details else membership.user.full_name
    return f"{name}: {membership.organisation.name}"


class AssignForm(forms.Form):
    """An application, by its number, given by hand to one of the call's readers."""

    fields: dict[str, Any]  # each field as its own type

    application = forms.IntegerField(
        label=_("Application number"),
        min_value=1,
        help_text=_("The number before the applicant's name in the list above."),
        error_messages={
            "required": _("Give the application's number."),
            "invalid": _("Give the application's number, such as 1234."),
            "min_value": _("Give the application's number, such as 1234."),
        },
    )
    reader = forms.ModelChoiceField(
        label=_("Reader"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("Choose a reader."),
            "invalid_choice": _("Choose a reader from the list."),
        },
    )

    def __init__(self, *args, applications, readers: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = applications  # the call's applications that readers read
        self.fields["reader"].queryset = User.objects.filter(pk__in=[r.user_id for r in readers])
        self.fields["reader"].widget.choices = [("", _("Choose…"))] + [
            (r.user_id, r.user.full_name) for r in readers
        ]

    def clean_application(self):
        number = self.cleaned_data["application"]
        application = self.applications.filter(pk=number).first()
        if application is None:
            raise forms.ValidationError(
                _("No application numbered %(number)s is read in this call.") % {"number": number}
            )
        return application


class ModerateForm(forms.Form):
    """The coordinator's adjusted score for an application, with the reason."""

    score = forms.DecimalField(
        label=_("Moderated score"),
        max_digits=3,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to rank it by the readers' mean again."),
    )
    reason = forms.CharField(
        label=_("Why you are adjusting it"),
        required=False,
        widget=_text(3),
        help_text=_("Recorded with the score; the applicant does not read it."),
    )
