from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin import DecisionAdminMixin, StatusChangeInline, year_filter
from evaluations import services
from evaluations.forms import TestimonialDecisionForm
from evaluations.models import AIMS, OUTCOMES, Response, Testimonial, TestimonialStatusChange

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
    list_filter = [year_filter("placement__year"), "instrument", "status"]
    search_fields = ["respondent__full_name", "placement__participant__full_name"]
    ordering = ["-id"]
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


class TestimonialRecordInline(StatusChangeInline):
    model = TestimonialStatusChange


TESTIMONIAL_FIELDS = (
    "placement",
    "author",
    "kind",
    "text",
    "status",
    "consent_statement",
    "consent_given_at",
    "consent_withdrawn_at",
    "decided_by",
    "decided_at",
    "decision_note",
)


@admin.register(Testimonial)
class TestimonialAdmin(DecisionAdminMixin, SimpleHistoryAdmin):
    """The manager publishes offered testimonials, or not; the words are the author's."""

    list_display = ["author", "kind", "status", "created_at", "decide_link"]
    list_filter = [year_filter("placement__year"), "status", "kind"]
    search_fields = ["author__full_name", "text"]
    fields = TESTIMONIAL_FIELDS
    readonly_fields = TESTIMONIAL_FIELDS
    inlines = [TestimonialRecordInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("decide"))
    def decide_link(self, testimonial):
        if testimonial.status != Testimonial.Status.OFFERED:
            return "—"
        url = reverse("admin:evaluations_testimonial_decide", args=[testimonial.pk])
        return format_html('<a href="{}">{}</a>', url, _("Publish or not"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="evaluations_testimonial_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        testimonial = get_object_or_404(
            Testimonial.objects.select_related("author", "placement__host"), pk=pk
        )
        form = TestimonialDecisionForm(request.POST or None)

        def decide(data: dict) -> str:
            publish = data["decision"] == "publish"
            services.testimonial_decide(
                testimonial=testimonial, by=request.user, publish=publish, note=data["note"]
            )
            self.message_user(
                request,
                _("Published: it is on the programme page now.")
                if publish
                else _("Not published; the author has been told why."),
            )
            # Back to those still waiting, whichever year they are from.
            return (
                reverse("admin:evaluations_testimonial_changelist")
                + "?status__exact=offered&year=all"
            )

        return self.decision_response(
            request,
            form=form,
            decide=decide,
            template="admin/evaluations/testimonial/decide.html",
            context={
                "title": _("Publish the testimonial from %(author)s?")
                % {"author": testimonial.author},
                "testimonial": testimonial,
                "can_decide": testimonial.status == Testimonial.Status.OFFERED,
            },
        )
