from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from applications import selectors, services
from applications.forms import CallAdminForm, CallsForYearForm, ExportForm
from applications.models import (
    APPLICANT_ANSWERS,
    DESCRIPTOR_FIELDS,
    Application,
    ApplicationStatusChange,
    Assignment,
    Call,
    Criterion,
    Endorsement,
    Rubric,
    Scale,
)
from core.admin import (
    AutocompleteMixin,
    DecisionAdminMixin,
    ReadOnlyInline,
    RecordAdmin,
    StatusChangeInline,
    year_filter,
)
from core.csv_export import csv_response
from partners.models import ProgrammeYear


@admin.register(Call)
class CallAdmin(AutocompleteMixin, DecisionAdminMixin, SimpleHistoryAdmin):
    form = CallAdminForm
    list_display = ["organisation", "year", "opens_at", "closes_at", "places", "applications"]
    list_filter = [year_filter("year"), "organisation__nation"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["year", "organisation"]
    filter_horizontal = ["destinations"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    change_list_template = "admin/applications/call/change_list.html"

    def get_queryset(self, request):
        return selectors.calls_with_counts().prefetch_related(None)  # destinations not listed

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["year", "organisation"]
        return fields

    @admin.display(description=gettext_lazy("submitted applications"))
    def applications(self, call):
        return call.submitted_count

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        # A new call is opened by the service, which checks the programme's rules
        # again under a lock; the form has given the friendly messages first.
        call = services.call_create(
            year=obj.year,
            organisation=obj.organisation,
            by=request.user,
            opens_at=obj.opens_at,
            closes_at=obj.closes_at,
            places=obj.places,
            destinations=form.cleaned_data["destinations"],
            eligibility=obj.eligibility,
            guidance=obj.guidance,
        )
        obj.pk = call.pk
        obj._state.adding = False

    def get_urls(self):
        return [
            path(
                "for-year/",
                self.admin_site.admin_view(self.for_year_view),
                name="applications_call_for_year",
            ),
            *super().get_urls(),
        ]

    def for_year_view(self, request):
        """Open a call for the host and every confirmed partner of a year at once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CallsForYearForm(request.POST or None, initial={"year": request.GET.get("year")})

        def decide(data: dict) -> str:
            year = data["year"]
            calls = services.calls_create_for_year(year=year, by=request.user)
            if calls:
                messages.success(
                    request,
                    _("Calls opened for %(year)s: %(names)s.")
                    % {"year": year.year, "names": ", ".join(str(c.organisation) for c in calls)},
                )
            else:
                messages.info(
                    request,
                    _("The host and every confirmed partner of %(year)s already have a call.")
                    % {"year": year.year},
                )
            return reverse("admin:applications_call_changelist") + f"?year={year.year}"

        return self.decision_response(
            request,
            form=form,
            decide=decide,
            default_field="year",
            template="admin/applications/call/for_year.html",
            context={"title": _("Open calls for a whole year")},
        )


class ApplicationStatusChangeInline(StatusChangeInline):
    model = ApplicationStatusChange


class EndorsementInline(ReadOnlyInline):
    model = Endorsement
    fields = [
        "line_manager_name",
        "line_manager_email",
        "sent_at",
        "expires_at",
        "superseded_at",
        "decision",
        "comment",
        "decided_at",
    ]


# What the applicant wrote, and the decisions: read here, changed only through
# the services (by the applicant and the coordinators in the browser).
APPLICATION_FIELDS = [
    "call",
    "applicant",
    "status",
    *APPLICANT_ANSWERS,
    "destination",
    "decision_reason",
    "reserve_since",
    "accept_by",
    "place_answer",
    "place_answered_at",
    "moderated_score",
    "moderation_reason",
    "moderated_by",
    "moderated_at",
    "submitted_at",
    "decided_at",
    "host_response",
    "host_response_note",
    "host_response_by",
    "host_response_at",
]


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = [
        "applicant",
        "institution",
        "year",
        "status",
        "first_preference",
        "destination",
        "submitted_at",
        "review_link",
    ]
    list_filter = [year_filter("call__year"), "status"]
    search_fields = [
        "applicant__full_name",
        "applicant__email",
        "job_title",
        "department",
        "call__organisation__name",
    ]
    fields = APPLICATION_FIELDS
    readonly_fields = APPLICATION_FIELDS
    inlines = [EndorsementInline, ApplicationStatusChangeInline]
    change_list_template = "admin/applications/application/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "call__year", "call__organisation", "applicant", "first_preference", "destination"
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("institution"), ordering="call__organisation__name")
    def institution(self, application):
        return application.call.organisation

    @admin.display(description=gettext_lazy("year"), ordering="call__year__year")
    def year(self, application):
        return application.call.year

    @admin.display(description=gettext_lazy("review"))
    def review_link(self, application):
        url = self.view_on_site(application)
        if url is None:
            return "—"
        return format_html('<a href="{}">{}</a>', url, _("Review on the site"))

    def view_on_site(self, application):
        """The page where coordinators (and the manager) read a submitted application;
        the applicant's own page, the model's, is theirs alone. A draft has none."""
        if application.is_draft:
            return None
        return reverse("applications:application_review", args=[application.pk])

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="applications_application_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """A year's applications as CSV; access requirements only when asked for."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if "year" in request.GET and form.is_valid():
            return export_csv(
                year=form.cleaned_data["year"],
                include_access_requirements=form.cleaned_data["include_access_requirements"],
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export a year's applications"),
            "form": form,
        }
        return TemplateResponse(request, "admin/applications/application/export.html", context)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_csv(*, year: ProgrammeYear, include_access_requirements: bool) -> HttpResponse:
    columns = [
        (_("Institution"), lambda a: a.call.organisation),
        (_("Applicant"), lambda a: a.applicant.full_name),
        (_("Email"), lambda a: a.applicant.email),
        (_("Status"), lambda a: a.get_status_display()),
        (_("Job title"), lambda a: a.job_title),
        (_("Department"), lambda a: a.department),
        (_("Specialism"), lambda a: a.get_specialism_display()),
        (_("Career level"), lambda a: a.get_career_level_display()),
        (_("Line manager"), lambda a: a.line_manager_name),
        (_("Line manager's email"), lambda a: a.line_manager_email),
        (
            _("Endorsement"),
            lambda a: (
                Endorsement.Decision(a.endorsement_decision).label if a.endorsement_decision else ""
            ),
        ),
        (_("Endorsed on"), lambda a: _when(a.endorsement_at)),
        (_("First choice"), lambda a: a.first_preference or ""),
        (_("Second choice"), lambda a: a.second_preference or ""),
        (_("Selected to go to"), lambda a: a.destination or ""),
        (_("Host's response"), lambda a: a.get_host_response_display()),
        (_("Submitted"), lambda a: _when(a.submitted_at)),
        (_("Decided"), lambda a: _when(a.decided_at)),
        (_("Reason for the decision"), lambda a: a.decision_reason),
        (_("What they want to learn, and why"), lambda a: a.learning_goals),
        (_("What they can share"), lambda a: a.can_share),
        (_("Departments of interest"), lambda a: a.departments_of_interest),
        (_("Availability"), lambda a: a.availability),
    ]
    if include_access_requirements:
        columns.append((_("Access requirements"), lambda a: a.access_requirements))
    suffix = "-with-access-requirements" if include_access_requirements else ""
    return csv_response(
        filename=f"applications-{year.year}{suffix}.csv",
        rows=[
            [label for label, _value in columns],
            *(
                [value(application) for _label, value in columns]
                for application in selectors.applications_for_export(year=year)
            ),
        ],
        private=True,
    )


# --- Selection by a panel ------------------------------------------------------------------


class CriterionFormSet(BaseInlineFormSet):
    """A rubric's criteria: at least one, and on a scale of 1 to 5 each says what a 5
    means."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]
        if not kept:
            raise ValidationError(_("A rubric needs at least one criterion."))
        if self.instance.scale == Scale.FIVE:
            for form in kept:
                if form.is_valid() and not form.cleaned_data.get("descriptor_5"):
                    form.add_error("descriptor_5", _("On a scale of 1 to 5, say what a 5 means."))


class CriterionInline(admin.StackedInline):
    model = Criterion
    formset = CriterionFormSet
    extra = 0
    fields = ["position", "title", "guidance", "weight", *DESCRIPTOR_FIELDS]


@admin.register(Rubric)
class RubricAdmin(SimpleHistoryAdmin):
    """The programme's default rubric, which the manager sets and each call copies;
    calls' own copies are shown, and changed by their coordinators on the site."""

    list_display = ["__str__", "scale", "criteria_count"]
    search_fields = ["call__organisation__name"]
    inlines = [CriterionInline]
    fields = ["scale"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("call__organisation", "call__year")
            .annotate(criteria_total=Count("criteria"))
            .order_by(F("call").asc(nulls_first=True), "-pk")
        )

    @admin.display(description=gettext_lazy("criteria"), ordering="criteria_total")
    def criteria_count(self, rubric):
        return rubric.criteria_total

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A call's copy is its coordinator's to adjust, until the first score.
        return super().has_change_permission(request, obj) and (obj is None or obj.call_id is None)


@admin.register(Assignment)
class AssignmentAdmin(RecordAdmin):
    """Who reads which application, and every conflict declared. Read only: readers
    declare and score on the site."""

    list_display = ["application", "reader", "state", "conflict", "declared_at", "submitted_at"]
    list_filter = [year_filter("application__call__year"), "state", "conflict"]
    # Newest first, by the primary key's index: a year's readings are never sorted whole.
    ordering = ["-pk"]
    search_fields = ["reader__full_name", "application__applicant__full_name"]
    list_select_related = [
        "application__applicant",
        "application__call__organisation",
        "application__call__year",
        "reader",
    ]
    fields = readonly_fields = (
        "application",
        "reader",
        "state",
        "conflict",
        "conflict_note",
        "declared_at",
        "comment",
        "submitted_at",
        "assigned_by",
        "assigned_at",
    )
