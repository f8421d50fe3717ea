import re
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from applications.models import Application
from core.dates import long_date
from partners.models import Organisation
from placements.models import (
    BOOKED_KINDS,
    CostKind,
    ExpenseClaim,
    Placement,
    PlacementDay,
    PlanSession,
)
from placements.selectors import supervisors_at
from placements.services import claimable_kinds, placement_problems


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


SUPERVISORS_SHOWN = 50


def supervisor_label(person) -> str:
    """ "Elin Hughes – Learning Officer, Learning": a person as the supervisor list shows
    them, said to be invited where they have not joined yet."""
    label = person.full_name
    if work := ", ".join(part for part in (person.job_title, person.department) if part):
        label = f"{label} – {work}"
    if not person.has_usable_password():
        label = _("%(person)s (invited, not joined yet)") % {"person": label}
    return label


class PlacementForm(forms.Form):
    """Who supervises at the host, and the first day; the other four follow."""

    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them

    supervisor: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Host supervisor"),
        queryset=None,
        error_messages={"required": _("Choose who will supervise the placement at the host.")},
    )
    start_on = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the first day of the placement."),
            "invalid": _("Enter the first day as a date, for example 2031-06-02."),
        },
    )

    def __init__(
        self,
        *args,
        application: Application,
        placement: Placement | None = None,
        search: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.application = application
        self.placement = placement
        host = cast(Organisation, application.destination)  # selected: it has one
        year = application.call.year
        self._supervisor_choices(host, search)
        # Help text is shown as HTML: what comes from records is escaped.
        self.fields["start_on"].help_text = _(
            "A working day at %(host)s. The placement lasts five working days, skipping "
            "weekends and %(nation)s's bank holidays, between %(start)s and %(end)s."
        ) % {
            "host": escape(host),
            "nation": host.get_nation_display(),
            "start": long_date(year.placements_start_on),
            "end": long_date(year.placements_end_on),
        }

    def _supervisor_choices(self, host: Organisation, search: str) -> None:
        """Any of the host's people is a valid answer; the list offers those matching
        the search, at most SUPERVISORS_SHOWN of them (and the one chosen), each with
        their job and department, so the page stays small at a large museum."""
        field = self.fields["supervisor"]
        field.queryset = supervisors_at(organisation=host)
        # Before the bound field is made (below), which copies it.
        field.help_text = _(
            "A member of staff at %(host)s, who plans the days with the participant."
        ) % {"host": escape(host)}
        matching = supervisors_at(organisation=host, search=search)
        shown = list(matching[: SUPERVISORS_SHOWN + 1])
        self.supervisors_more = len(shown) > SUPERVISORS_SHOWN
        shown = shown[:SUPERVISORS_SHOWN]
        chosen = str(self["supervisor"].value() or "")
        if chosen.isdigit() and all(str(person.pk) != chosen for person in shown):
            shown[:0] = supervisors_at(organisation=host).filter(pk=chosen)
        self.supervisors_shown = len(shown)
        field.widget.choices = [("", _("Choose…"))] + [
            (person.pk, supervisor_label(person)) for person in shown
        ]

    def clean(self):
        cleaned = super().clean()
        problems = placement_problems(
            application=self.application,
            supervisor=cleaned.get("supervisor"),
            start_on=cleaned.get("start_on"),
            placement=self.placement,
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return cleaned


class PlacementDecisionForm(forms.Form):
    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them
    APPROVE, CHANGES, DECLINE = "approve", "changes", "decline"

    decision = forms.ChoiceField(
        label=_("Your decision"),
        widget=forms.RadioSelect,
        choices=[
            (APPROVE, _("Approve")),
            (CHANGES, _("Ask for changes")),
            (DECLINE, _("Decline")),
        ],
        error_messages={"required": _("Choose a decision.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=_text(),
        help_text=_(
            "Required when you ask for changes (the proposer reads it) or decline (both "
            "coordinators read it)."
        ),
    )

    def __init__(self, *args, can_approve: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_approve:
            self.fields["decision"].choices = self.fields["decision"].choices[1:]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == self.CHANGES and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say what should change, so the proposer can act on it."))
        if decision == self.DECLINE and not cleaned.get("note", "").strip():
            self.add_error(
                "note", _("Say why the placement is declined: the other coordinator reads this.")
            )
        return cleaned


class PlanSessionForm(forms.ModelForm):
    fields: dict[str, Any]  # each field as its own type, as __init__ adjusts them
    day: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Day"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Choose the day.")},
    )

    class Meta:
        model = PlanSession
        fields = ["day", "starts_at", "ends_at", "activity", "department", "contact"]
        widgets = {
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        error_messages = {
            "starts_at": {
                "required": _("Enter the time the session starts."),
                "invalid": _("Enter the start as a time, for example 10:30."),
            },
            "ends_at": {"invalid": _("Enter the end as a time, for example 12:00.")},
            "activity": {"required": _("Say what happens in this session.")},
        }
        help_texts = {
            "contact": _("Who the participant meets or asks for."),
        }

    def __init__(self, *args, placement: Placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = PlacementDay.objects.filter(placement=placement)
        self.fields["day"].label_from_instance = lambda day: (
            _("Day %(number)s, %(date)s")
            % {
                "number": day.number,
                "date": date_format(day.date, "l j F"),
            }
        )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The session must end after it starts."))
        return cleaned

    def validate_constraints(self, exclude=None):
        # The end-after-start rule is reported on its field by clean().
        return None


RECEIPT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def check_receipt(receipt) -> None:
    """A receipt is a PDF, JPEG or PNG (by its name and by its first bytes) and no
    larger than RECEIPT_MAX_BYTES."""
    limit = settings.RECEIPT_MAX_BYTES
    if receipt.size > limit:
        raise forms.ValidationError(
            _("This file is %(size)s: a receipt can be at most %(limit)s.")
            % {"size": filesizeformat(receipt.size), "limit": filesizeformat(limit)}
        )
    if receipt.size == 0:
        raise forms.ValidationError(_("This file is empty."))
    signatures = RECEIPT_TYPES.get(Path(receipt.name).suffix.lower())
    head = receipt.read(16)
    receipt.seek(0)
    if not signatures or not head.startswith(signatures):
        raise forms.ValidationError(
            _("Upload the receipt as a PDF, JPEG or PNG file: %(name)s is not one.")
            % {"name": Path(receipt.name).name}
        )


class ExpenseClaimForm(forms.ModelForm):
    receipt = forms.FileField(
        label=_("Receipt"),
        error_messages={"required": _("Attach the receipt.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    class Meta:
        model = ExpenseClaim
        fields = ["kind", "description", "spent_on", "amount"]
        widgets = {"spent_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "description": {"required": _("Say what the expense was for.")},
            "spent_on": {
                "required": _("Enter the date of the expense."),
                "invalid": _("Enter the date of the expense, for example 2031-06-03."),
            },
            "amount": {
                "required": _("Enter the amount in pounds."),
                "invalid": _("Enter the amount in pounds, for example 12.50."),
                "min_value": _("Enter an amount of at least £0.01."),
                "max_digits": _("Claim at most £999,999.99 at once."),
                "max_decimal_places": _("Enter pounds and pence, for example 12.50."),
            },
        }

    def __init__(self, *args, placement: Placement, receipt_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self._kind_choices(placement)
        self.fields["receipt"].help_text = _(
            "A PDF, JPEG or PNG file of the receipt, at most %(limit)s."
        ) % {"limit": filesizeformat(settings.RECEIPT_MAX_BYTES)}
        if not receipt_required:
            self.fields["receipt"].required = False
            self.fields["receipt"].help_text += " " + _("Leave empty to keep the one you sent.")

    def _kind_choices(self, placement: Placement) -> None:
        """Only the kinds the participant may claim are offered; the help says why the
        others are not (and a claim being corrected keeps its own kind)."""
        claimable = claimable_kinds(placement)
        if self.instance.pk and self.instance.kind not in claimable:
            claimable.append(self.instance.kind)
        field = cast(forms.ChoiceField, self.fields["kind"])
        field.choices = [(value, label) for value, label in CostKind.choices if value in claimable]
        booked = [
            ExpenseClaim.Kind(kind).label.lower() for kind in BOOKED_KINDS if kind not in claimable
        ]
        field.help_text = (
            ngettext(
                "The programme books and pays your %(booked)s, so it is not claimed here.",
                "The programme books and pays your %(booked)s, so they are not claimed here.",
                len(booked),
            )
            % {"booked": _(" and ").join(booked)}
            if booked
            else _(
                "The programme manager agreed that you book your own travel and "
                "accommodation: claim them here, with the rest."
            )
        )

    def clean_amount(self):
        """Pounds and pence as people write them: 12, 12.5 or 12.50, never 1e3 (a
        negative amount is left to the rule on the least amount, which says so)."""
        amount = self.cleaned_data.get("amount")
        typed = str(self.data.get(self.add_prefix("amount"), "")).strip()
        if amount is not None and not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", typed):
            raise forms.ValidationError(
                self.fields["amount"].error_messages["invalid"], code="invalid"
            )
        return amount

    def clean_receipt(self):
        receipt = self.cleaned_data.get("receipt")
        if receipt:
            check_receipt(receipt)
        return receipt


class QueryForm(forms.Form):
    DECISIONS = [
        ("approve", _("Approve for payment")),
        ("query", _("Ask a question")),
        ("refuse", _("Refuse it")),
    ]

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=DECISIONS,
        error_messages={"required": _("Choose a decision.")},
    )
    note = forms.CharField(
        label=_("Question or reason for the participant"),
        required=False,
        widget=_text(),
        help_text=_("Required when you ask a question or refuse the claim."),
    )

    def clean(self):
        cleaned = super().clean()
        note = cleaned.get("note", "").strip()
        if cleaned.get("decision") == "query" and not note:
            self.add_error("note", _("Say what the question is: the participant reads this."))
        if cleaned.get("decision") == "refuse" and not note:
            self.add_error("note", _("Say why the claim is refused: the participant reads this."))
        return cleaned


class CompletionForm(forms.Form):
    """The manager completes a placement early, or reopens one completed too early."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=_text(),
        help_text=_("Kept in the placement's record, with your name and the time."),
        error_messages={"required": _("Say why.")},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=_text(),
        help_text=_("The participant, the supervisor and both coordinators read this."),
        error_messages={"required": _("Say why the placement is cancelled.")},
    )
