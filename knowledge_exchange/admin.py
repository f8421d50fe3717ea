from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from knowledge_exchange.models import Reminder
from knowledge_exchange.reminders import KINDS

REMINDER_FIELDS = [
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
]


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(key, kind.label) for key, kind in KINDS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
