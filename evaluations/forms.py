from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.models import AIMS, CONSENT_STATEMENT, OUTCOMES, Response, Testimonial
from evaluations.services import questions, required_to_submit


class ResponseForm(forms.ModelForm):
    """An instrument's questions. "Save and finish later" keeps whatever is there;
    "Submit" needs every rating, each missing one marked on its field."""

    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them

    SAVE, SUBMIT = "save", "submit"

    class Meta:
        model = Response
        fields = [*OUTCOMES, *AIMS, "reflections", "shared_at_home", "comments"]
        widgets = {
            **{name: forms.RadioSelect for name in [*OUTCOMES, *AIMS]},
            "reflections": forms.Textarea(attrs={"rows": 5}),
            "shared_at_home": forms.Textarea(attrs={"rows": 4}),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, instrument: str, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.submitting = submitting
        asked = questions(instrument)
        for name in list(self.fields):
            if name not in asked:
                del self.fields[name]
        for name in required_to_submit(instrument):
            field = self.fields[name]
            field.choices = [choice for choice in field.choices if choice[0] != ""]
            field.label = _("%(label)s (needed to submit)") % {"label": field.label}

    def clean(self):
        cleaned = super().clean()
        if self.submitting:
            for name in required_to_submit(self.instrument):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Answer this question before submitting."))
        return cleaned

    def validate_constraints(self, exclude=None):
        # The rules for a submitted response are checked by clean() and the service.
        return None


class TestimonialForm(forms.ModelForm):
    consent = forms.BooleanField(
        label=CONSENT_STATEMENT,
        required=True,
        error_messages={
            "required": _(
                "Tick the box to agree to publication: without it we cannot publish anything."
            )
        },
    )

    class Meta:
        model = Testimonial
        fields = ["kind", "text"]
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "text": _(
                "A sentence or two for a quote; a few paragraphs for a case study: what you "
                "did, what you learned and what changed afterwards."
            )
        }
        error_messages = {"text": {"required": _("Write the words you would like published.")}}


class TestimonialDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("publish", _("Publish")), ("not", _("Do not publish"))],
        error_messages={"required": _("Choose a decision.")},
    )
    note = forms.CharField(
        label=_("Note for the author"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you do not publish."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "not" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why, so the author understands."))
        return cleaned


class ReportFilterForm(forms.Form):
    """Which year and organisation a report covers. A coordinator chooses among the
    organisations they coordinate; the programme manager may also choose all."""

    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None, required=False)
    organisation: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, required=False
    )

    def __init__(self, *args, years: list[int], organisations, everyone: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *[(y, str(y)) for y in years]]
        self.fields["year"].error_messages["invalid_choice"] = _(
            "Choose a programme year from the list, or all years."
        )
        field = self.fields["organisation"]
        field.queryset = organisations  # what is chosen is read from it, and checked
        field.required = not everyone
        # Offered by id and name alone (hundreds of them, for the manager), read in
        # one query when the choice is shown (not for the CSV).
        field.choices = lambda: (
            [("", _("All organisations"))] * everyone
            + list(organisations.values_list("pk", "name"))
        )
        field.error_messages["invalid_choice"] = _("Choose an organisation from the list.")
