from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core import erasure, outbox, privacy
from core.errors import refusals_on
from core.lists import current_year
from core.models import (
    AccountClosure,
    Consent,
    Email,
    PrivacyAcknowledgement,
    PrivacyNotice,
    Reminder,
    RetentionRun,
    SensitiveRead,
)
from core.reminders import KINDS

REMINDER_FIELDS = (
    "kind_label",
    "object_repr",
    "occasion",
    "recipient",
    "email",
    "year",
    "queued_at",
    "sent_at",
    "subject",
    "context",
)


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(key, kind.label) for key, kind in KINDS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


ALL_YEARS = "all"


class ProgrammeYearFilter(admin.SimpleListFilter):
    """A changelist's programme year: the current one (core.lists.current_year) until
    another, or every year, is chosen, as the site's lists begin. A subclass names the
    path to the year (`year_path`); `year_filter(path)` makes one."""

    title = _("programme year")
    parameter_name = "year"
    year_path = "year"

    def lookups(self, request, model_admin):
        years = get_fields_from_path(model_admin.model, self.year_path)[-1].related_model
        self.years = [
            str(y) for y in years.objects.values_list("year", flat=True).order_by("-year")
        ]
        return [(ALL_YEARS, _("All years")), *((year, year) for year in self.years)]

    def value(self):
        """The year asked for; none, or one there is not, is the current one."""
        chosen = super().value()
        if chosen == ALL_YEARS or chosen in self.years:
            return chosen
        current = current_year(int(year) for year in self.years)
        return str(current) if current else ALL_YEARS

    def queryset(self, request, queryset):
        chosen = self.value()
        if chosen == ALL_YEARS:
            return queryset
        return queryset.filter(**{f"{self.year_path}__year": chosen})

    def choices(self, changelist):
        choices = iter(super().choices(changelist))
        next(choices)  # Django's "All" (no year asked for) is the current year here
        yield from choices


def year_filter(path: str) -> type[ProgrammeYearFilter]:
    """The programme year filter of a changelist whose rows reach their year by `path`."""
    return type(f"ProgrammeYearFilter_{path}", (ProgrammeYearFilter,), {"year_path": path})


if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


def _valid_keys(field, values) -> list:
    """The values that could be keys of the field's related model (others dropped)."""
    remote = field.remote_field  # as Django's autocomplete finds the key it looks up
    target = remote.model._meta.get_field(
        getattr(remote, "field_name", remote.model._meta.pk.attname)
    )
    valid = []
    for value in values:
        try:
            target.to_python(value)
        except ValidationError:
            continue
        valid.append(value)
    return valid


def _empty_choice_named(groups):
    """The empty choice says so (HTML does not allow an empty option without a label);
    select2 shows its placeholder in its place."""
    for _group, options, _index in groups:
        for option in options:
            if option["value"] == "" and not option["label"]:
                option["label"] = BLANK_CHOICE_DASH[0][1]
    return groups


class KeyCheckingAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, which looks up whatever was typed to show it again and
    fails (a 500) on a value that is not a key, such as "abc": such a value is left
    out, and the form says the choice is not valid."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, _valid_keys(self.field, value), attr)
        if self.is_required:
            # A required select starts with an empty choice (HTML's rule), as Django's
            # does only for optional ones.
            groups[0][1].insert(0, self.create_option(name, "", "", False, 0))
        return _empty_choice_named(groups)


class KeyCheckingAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return _empty_choice_named(super().optgroups(name, _valid_keys(self.field, value), attr))


class AutocompleteMixin(_ModelAdmin):
    """For admins and inlines with autocomplete_fields: bad input is a field error."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                KeyCheckingAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                KeyCheckingAutocompleteSelectMultiple(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RecordAdmin(admin.ModelAdmin):
    """A log the site writes and the manager reads: no adding, changing or deleting."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(RecordAdmin):
    """What the daily sweep sent: who, what, when, for which record. Read only."""

    list_display = ["queued_at", "kind_label", "object_repr", "email", "occasion", "sent_at"]
    # Dates by range (no query), not a date hierarchy (which reads every row).
    list_filter = [
        KindFilter,
        "year",  # a log, newest first: every year's until one is chosen
        ("queued_at", admin.DateFieldListFilter),
        ("sent_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "recipient__full_name", "object_repr", "subject"]
    fields = REMINDER_FIELDS
    readonly_fields = REMINDER_FIELDS

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, reminder: Reminder) -> str:
        kind = KINDS.get(reminder.kind)
        return kind.label if kind else reminder.kind

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient", "year")


class ReadOnlyFormSet(BaseInlineFormSet):
    """A read-only inline's rows are the records themselves, whatever counts and ids a
    POST claims (tampered ones would otherwise make forms for rows that do not exist)."""

    def initial_form_count(self) -> int:
        return len(self.get_queryset())

    def total_form_count(self) -> int:
        return self.initial_form_count()

    def _construct_form(self, i, **kwargs):
        # Each row is its record, whatever id a POST gives it.
        kwargs["instance"] = self.get_queryset()[i]
        return super()._construct_form(i, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    """Related records shown on a record's admin page, read only: they are written by
    services, never typed in."""

    extra = 0
    can_delete = False
    formset = ReadOnlyFormSet

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(ReadOnlyInline):
    """A record's decisions. Set `model` to the record's status-change model; add its
    own columns to `fields` if it has any."""

    fields: ClassVar[Any] = ("at", "from_status", "to_status", "by", "note")


class DecisionAdminMixin(_ModelAdmin):
    """For a ModelAdmin's own pages where the manager takes one decision about a record
    through a form (cancel a placement, decide a claim): the form is handed to a
    service, a refusal goes on the form, success redirects."""

    def decision_response(
        self,
        request,
        *,
        form,
        decide: Callable[[dict], str],
        template: str,
        context: dict,
        default_field: str | None = None,
    ) -> HttpResponse:
        """`decide(cleaned_data)` calls the service, reports what it did (`message_user`)
        and returns the address to go to. On GET, or when the form is invalid or the
        service refuses (the refusal goes on `default_field` if it names no field),
        `template` is shown with `context`."""
        if request.method == "POST" and form.is_valid():
            with refusals_on(form, default_field=default_field):
                url = decide(form.cleaned_data)
            if form.is_valid():
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            **context,
        }
        return TemplateResponse(request, template, context)


EMAIL_FIELDS = (
    "created_at",
    "stream",
    "template",
    "recipients",
    "subject",
    "state",
    "attempts",
    "next_attempt_at",
    "expires_at",
    "sent_at",
    "last_error",
    "message_id",
    "reminder",
    "body",
)


@admin.register(Email)
class EmailAdmin(RecordAdmin):
    """The outbox: every email the site has written, whether it has gone, and why not.
    Read only, but for trying again now."""

    list_display = ["created_at", "subject_or_email", "recipients", "stream", "state", "attempts"]
    list_filter = ["state", "stream", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "to", "template"]
    fields = EMAIL_FIELDS
    readonly_fields = EMAIL_FIELDS
    actions = ["try_again_now"]

    @admin.display(description=_("subject"), ordering="subject")
    def subject_or_email(self, email: Email) -> str:
        return email.subject or email.template

    @admin.display(description=_("to"))
    def recipients(self, email: Email) -> str:
        return ", ".join(email.to)

    @admin.action(description=_("Try again now"), permissions=["view"])
    def try_again_now(self, request, queryset):
        ids = outbox.retry_now(ids=list(queryset.values_list("pk", flat=True)))
        for email in Email.objects.filter(pk__in=ids):
            self.log_change(request, email, gettext("Asked to send again now."))
        self.message_user(
            request,
            ngettext(
                "%(count)d email will be sent again now.",
                "%(count)d emails will be sent again now.",
                len(ids),
            )
            % {"count": len(ids)},
        )


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    """The privacy notice's versions. Publishing writes a new version (starting from the
    current text); a published version is never changed, so what each person read can
    be read again."""

    list_display = ["__str__", "published_at", "published_by", "changes"]
    fields = ["text", "changes"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "text", "changes", "published_at", "published_by"] if obj else []

    def get_fields(self, request, obj=None):
        return (
            ["version", "published_at", "published_by", "text", "changes"] if obj else self.fields
        )

    def get_changeform_initial_data(self, request):
        current = privacy.current_notice()
        return {"text": current.text} if current else {}

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        published = privacy.notice_publish(
            text=form.cleaned_data["text"], changes=form.cleaned_data["changes"], by=request.user
        )
        obj.pk, obj.version = published.pk, published.version


@admin.register(PrivacyAcknowledgement)
class PrivacyAcknowledgementAdmin(RecordAdmin):
    """Who acknowledged which version of the privacy notice, and when."""

    list_display = ["user", "notice", "occasion", "acknowledged_at"]
    list_filter = ["occasion", ("acknowledged_at", admin.DateFieldListFilter)]
    search_fields = ["user__full_name", "user__email"]
    list_select_related = ["user", "notice"]
    fields = readonly_fields = ("user", "notice", "occasion", "acknowledged_at")


@admin.register(SensitiveRead)
class SensitiveReadAdmin(RecordAdmin):
    """Every read of someone's access requirements by someone else: who, whose, where
    and when, newest first."""

    list_display = ["read_at", "reader", "subject", "what", "where"]
    list_filter = [("read_at", admin.DateFieldListFilter)]
    search_fields = ["subject__full_name", "subject__email", "reader__full_name"]
    list_select_related = ["reader", "subject"]
    ordering = ["-read_at", "-id"]
    fields = readonly_fields = ("read_at", "reader", "subject", "what", "where")


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have reviewed what will be done, and erase this person's information"),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )


@admin.register(AccountClosure)
class AccountClosureAdmin(DecisionAdminMixin, RecordAdmin):
    """People's requests to close their account: the manager reviews what erasure will
    do and carries it out; an erased request keeps only what was done, by kind."""

    list_display = ["__str__", "user", "status", "requested_at", "respond_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["user", "erased_by"]
    search_fields = ["user__full_name", "user__email"]
    ordering = ["-requested_at", "-id"]
    fields = readonly_fields = (
        "user",
        "status",
        "reason",
        "requested_at",
        "respond_by",
        "decided_at",
        "erased_by",
        "what_was_done",
    )

    @admin.display(description=_("to be done by"))
    def respond_by(self, closure: AccountClosure):
        return closure.respond_by

    @admin.display(description=_("what was done"))
    def what_was_done(self, closure: AccountClosure) -> str:
        return "\n".join(erasure.described(closure.outcome)) or "-"

    def get_urls(self):
        return [
            path(
                "<int:pk>/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="core_accountclosure_erase",
            ),
            *super().get_urls(),
        ]

    def erase_view(self, request, pk):
        if not request.user.has_perm("core.change_accountclosure"):
            raise PermissionDenied
        closure = get_object_or_404(AccountClosure.objects.select_related("user"), pk=pk)
        form = EraseForm(request.POST if request.method == "POST" else None)

        def decide(data: dict) -> str:
            erasure.erase(closure=closure, by=request.user)
            self.message_user(request, _("Erased. The person has been told."))
            return reverse("admin:core_accountclosure_change", args=[closure.pk])

        plan = erasure.erasure_plan(closure.user) if closure.status == "requested" else None
        return self.decision_response(
            request,
            form=form,
            decide=decide,
            template="admin/core/accountclosure/erase.html",
            context={
                "title": _("Erase %(person)s") % {"person": closure.user},
                "closure": closure,
                "plan": plan,
                "actions": erasure.ACTIONS,
            },
            default_field="confirm",
        )


@admin.register(Consent)
class ConsentAdmin(RecordAdmin):
    """Each consent given, with the words agreed to, and when it was withdrawn."""

    list_display = ["user", "purpose", "given_at", "withdrawn_at"]
    list_filter = ["purpose", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__full_name", "user__email"]
    list_select_related = ["user"]
    ordering = ["-given_at", "-id"]
    fields = readonly_fields = ("user", "purpose", "statement", "given_at", "withdrawn_at")


@admin.register(RetentionRun)
class RetentionRunAdmin(RecordAdmin):
    """What each run of the retention schedule removed or anonymised."""

    list_display = ["ran_at", "changed"]
    ordering = ["-ran_at", "-id"]
    fields = readonly_fields = ("ran_at", "what_was_done")

    @admin.display(description=_("records changed"))
    def changed(self, run: RetentionRun) -> int:
        return sum(step["count"] for step in run.outcome)

    @admin.display(description=_("what was done"))
    def what_was_done(self, run: RetentionRun) -> str:
        return "\n".join(erasure.described(run.outcome))
