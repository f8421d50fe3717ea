from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from evaluations.models import AIMS, OUTCOMES, Response

RESPONSE_FIELDS = [
    "placement",
    "instrument",
    "respondent",
    "status",
    *OUTCOMES,
    *AIMS,
    "reflections",
    "shared_at_home",
    "comments",
    "created_at",
    "submitted_at",
]


@admin.register(Response)
class ResponseAdmin(SimpleHistoryAdmin):
    """Responses are the respondents' own words: the manager reads them, nobody edits."""

    list_display = ["placement", "instrument", "respondent", "status", "submitted_at"]
    list_filter = ["instrument", "status", "placement__year"]
    search_fields = ["respondent__full_name", "placement__participant__full_name"]
    fields = RESPONSE_FIELDS
    readonly_fields = RESPONSE_FIELDS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("placement__participant", "placement__host", "respondent")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
