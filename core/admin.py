from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import admin
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.errors import refusals_on
from core.models import Email, Reminder
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
    list_filter = [KindFilter, "year", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "recipient__full_name", "object_repr", "subject"]
    date_hierarchy = "queued_at"
    fields = REMINDER_FIELDS
    readonly_fields = REMINDER_FIELDS

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, reminder: Reminder) -> str:
        kind = KINDS.get(reminder.kind)
        return kind.label if kind else reminder.kind

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient", "year")


class ReadOnlyInline(admin.TabularInline):
    """Related records shown on a record's admin page, read only: they are written by
    services, never typed in."""

    extra = 0
    can_delete = False

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


if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


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
    list_filter = ["state", "stream"]
    search_fields = ["subject", "to", "template"]
    date_hierarchy = "created_at"
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
