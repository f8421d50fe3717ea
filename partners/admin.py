from collections import defaultdict
from collections.abc import Callable
from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from core import privacy
from core.admin import AutocompleteMixin, DecisionAdminMixin, StatusChangeInline, year_filter
from core.panels import YEAR_OVERVIEW, YEAR_OVERVIEW_TOOLS
from partners import selectors, services
from partners.forms import (
    ConfirmInvitationsForm,
    PartnershipAdminForm,
    PartnershipStatusForm,
    ProgrammeYearAdminForm,
)
from partners.models import (
    TO_CONFIRM,
    AccountInvitation,
    ClosureDay,
    Membership,
    Organisation,
    Partnership,
    PartnershipStatusChange,
    ProgrammeYear,
    User,
)
from partners.progress import facts_of


class MembershipInline(AutocompleteMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "job_title", "department", "created_at"]
    readonly_fields = ["created_at"]


class ClosureDayInline(admin.TabularInline):
    """Days the organisation is closed beyond bank holidays, counted by placements."""

    model = ClosureDay
    extra = 0
    fields = ["date", "reason"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "nation", "town", "can_host"]
    list_filter = ["nation", "kind", "can_host"]
    search_fields = ["name", "town", "region"]
    prepopulated_fields = {"slug": ["name"]}
    # A website typed without its scheme is taken as https:// (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [MembershipInline, ClosureDayInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "can_host"]}),
        (gettext_lazy("Where"), {"fields": ["nation", "region", "town", "website"]}),
        (gettext_lazy("Staff"), {"fields": ["email_domains"]}),
    ]


@admin.register(Membership)
class MembershipAdmin(AutocompleteMixin, SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "job_title", "department", "created_at"]
    list_filter = ["role", "organisation__nation"]
    list_select_related = ["user", "organisation"]
    ordering = ["-id"]  # the newest first; find an organisation's people by searching
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


class MembershipOfUserInline(MembershipInline):
    fk_name = "user"
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "job_title", "department", "created_at"]


class AccountInvitationInline(admin.TabularInline):
    """Who invited the person, where, and whether they have joined: a record, not edited."""

    model = AccountInvitation
    fk_name = "user"
    extra = 0
    fields = readonly_fields = (
        "organisation",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    )
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["full_name", "email"]
    list_display = ["full_name", "email", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["full_name", "email"]
    inlines = [MembershipOfUserInline, AccountInvitationInline]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        (gettext_lazy("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (gettext_lazy("Emails"), {"fields": ["call_emails", "call_emails_changed_at"]}),
        (gettext_lazy("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    # The person's own choice, made on their email preferences page.
    readonly_fields = ["last_login", "date_joined", "call_emails", "call_emails_changed_at"]
    actions = ["subject_access_export"]

    @admin.action(
        description=gettext_lazy("Download everything held about the person (subject access)"),
        permissions=["view"],
    )
    def subject_access_export(self, request, queryset):
        """One person's archive, as they would download it themselves."""
        if queryset.count() != 1:
            self.message_user(
                request,
                gettext_lazy("Choose one person: each person's information is downloaded alone."),
                messages.ERROR,
            )
            return None
        return privacy.archive_response(queryset.get())

    def get_readonly_fields(self, request, obj=None):
        # The programme manager runs the programme, not the site: only a
        # superuser can hand out superuser status or change groups.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "groups", "is_staff"]
        return fields


# --- Programme years and partnerships ------------------------------------------


def confirm_partnerships(request, partnerships) -> None:
    """Confirm each partnership through the service and report every outcome.

    Each is its own transaction: those that fit under the target are confirmed,
    the rest are named in one message per reason.
    """
    confirmed = []
    refused = defaultdict(list)
    for partnership in partnerships:
        try:
            services.partnership_confirm(partnership=partnership, by=request.user)
        except services.PartnershipError as error:
            refused[str(error)].append(partnership.organisation.name)
        else:
            confirmed.append(partnership.organisation.name)
    if confirmed:
        messages.success(
            request,
            ngettext(
                "Confirmed %(count)d partner: %(names)s.",
                "Confirmed %(count)d partners: %(names)s.",
                len(confirmed),
            )
            % {"count": len(confirmed), "names": ", ".join(confirmed)},
        )
    for reason, names in refused.items():
        messages.error(
            request,
            _("Not confirmed: %(names)s. %(reason)s")
            % {"names": ", ".join(names), "reason": reason},
        )


class ReturningFilter(admin.SimpleListFilter):
    title = gettext_lazy("returning partner")
    parameter_name = "returning"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Returning")), ("no", gettext_lazy("New"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_returning=True)
        if self.value() == "no":
            return queryset.filter(is_returning=False)
        return queryset


class PartnershipInlineFormSet(BaseInlineFormSet):
    """Only an invitation made by mistake may be deleted; every other partnership
    is part of the record (a confirmed one is withdrawn, never deleted)."""

    def clean(self):
        super().clean()
        for form in self.forms:
            instance = form.instance
            deleting = form.cleaned_data.get("DELETE") if hasattr(form, "cleaned_data") else False
            if deleting and instance.pk and instance.status not in TO_CONFIRM:
                form.add_error(
                    "DELETE",
                    _(
                        "%(organisation)s is %(status)s: only an invitation can be deleted. "
                        "Change its status instead."
                    )
                    % {
                        "organisation": instance.organisation,
                        "status": instance.get_status_display().lower(),
                    },
                )


def _save_partnership(request, partnership: Partnership, year: ProgrammeYear) -> None:
    """A new partnership is an invitation, made by the service; an existing one
    saves its counts (its status changes only through the service)."""
    if partnership.pk is None:
        invited = services.partnership_invite(
            year=year,
            organisation=partnership.organisation,
            by=request.user,
            sends_to_host=partnership.sends_to_host,
            hosts_from_host=partnership.hosts_from_host,
        )
        partnership.pk = invited.pk
        partnership.invited_at = invited.invited_at
        partnership._state.adding = False
        _say_who_was_invited(request, invited)
        return
    partnership.save(update_fields=["sends_to_host", "hosts_from_host"])


def _say_who_was_invited(request, partnership: Partnership) -> None:
    coordinators = selectors.partnership_coordinators(partnership=partnership)
    if not coordinators:
        messages.warning(
            request,
            _(
                "%(organisation)s has no coordinator with an account yet, so nobody was "
                "emailed: make the approach in person, and add a coordinator to the "
                "organisation."
            )
            % {"organisation": partnership.organisation},
        )
        return
    messages.info(
        request,
        _("The invitation was emailed to %(people)s, who can accept or decline it online.")
        % {"people": ", ".join(person.full_name for person in coordinators)},
    )


class PartnershipInline(AutocompleteMixin, admin.StackedInline):
    """Stacked, so every field has its own label (a tabular inline's headers are not
    labels)."""

    model = Partnership
    form = PartnershipAdminForm
    formset = PartnershipInlineFormSet
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = [
        "organisation",
        "status",
        "returning",
        "sends_to_host",
        "hosts_from_host",
        "confirmed_by",
        "confirmed_at",
    ]
    readonly_fields = ["status", "returning", "confirmed_by", "confirmed_at"]
    # Coordinators are chosen on the partnership's own page (its change link), where
    # the choice searches people as you type.
    show_change_link = True

    def get_queryset(self, request):
        return selectors.partnerships_with_details().select_related("confirmed_by")

    @admin.display(boolean=True, description=gettext_lazy("returning"))
    def returning(self, partnership):
        return getattr(partnership, "is_returning", None)


@admin.register(ProgrammeYear)
class ProgrammeYearAdmin(AutocompleteMixin, SimpleHistoryAdmin):
    form = ProgrammeYearAdminForm
    list_display = ["year", "host", "stage", "partners", "budget", "overview_link"]
    # Later apps add their sections to the overview through core.panels.YEAR_OVERVIEW,
    # so this app never imports them.
    list_filter = ["host"]
    search_fields = ["year", "host__name"]
    autocomplete_fields = ["host"]
    inlines = [PartnershipInline]
    fieldsets = [
        (None, {"fields": ["year", "host", "partner_target", "budget"]}),
        (
            gettext_lazy("Key dates"),
            {
                "fields": [
                    "partners_confirmed_by",
                    ("calls_open_on", "calls_close_on"),
                    "decisions_by",
                    ("placements_start_on", "placements_end_on"),
                    "evaluations_due_on",
                    "follow_up_on",
                ]
            },
        ),
        (gettext_lazy("Reminders"), {"fields": ["reminders_off"]}),
    ]

    def get_queryset(self, request):
        return selectors.programme_years_with_counts()

    def get_urls(self):
        return [
            path(
                "<int:pk>/overview/",
                self.admin_site.admin_view(self.overview_view),
                name="partners_programmeyear_overview",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("stage"))
    def stage(self, year):
        stage, reason = year.stage_on(timezone.localdate(), facts_of(year))
        return format_html('<span title="{}">{}</span>', reason, stage.label)

    @admin.display(description=gettext_lazy("partners confirmed"))
    def partners(self, year):
        return _("%(count)s of %(target)s") % {
            "count": year.confirmed_count,
            "target": year.partner_target,
        }

    @admin.display(description=gettext_lazy("overview"))
    def overview_link(self, year):
        url = reverse("admin:partners_programmeyear_overview", args=[year.pk])
        return format_html('<a href="{}">{}</a>', url, _("Overview of %s") % year.year)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Partnership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for partnership in formset.deleted_objects:
            partnership.delete()
        for partnership, _fields in formset.changed_objects:
            _save_partnership(request, partnership, form.instance)
        for partnership in formset.new_objects:
            _save_partnership(request, partnership, form.instance)
        formset.save_m2m()

    def overview_view(self, request, pk):
        """A year at a glance, and the checklist to confirm its invitations."""
        year, partnerships, totals = selectors.year_overview(pk=pk)
        if not self.has_view_permission(request, year):
            raise PermissionDenied
        can_confirm = self.has_change_permission(request, year)
        form = ConfirmInvitationsForm(request.POST if request.method == "POST" else None, year=year)
        if request.method == "POST":
            if not can_confirm:
                raise PermissionDenied
            if form.is_valid():
                confirm_partnerships(request, form.cleaned_data["partnerships"])
                return HttpResponseRedirect(request.path)
        stage, reason = year.stage_on(timezone.localdate(), facts_of(year))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("%(year)s at a glance") % {"year": year.year},
            "programme_year": year,
            "original": year,
            "partnerships": partnerships,
            "totals": totals,
            "stage": stage,
            "stage_reason": reason,
            "form": form,
            "can_confirm": can_confirm,
            "tools": YEAR_OVERVIEW_TOOLS.render(request, year),
            "sections": YEAR_OVERVIEW.render(request, year),
        }
        return TemplateResponse(request, "admin/partners/programmeyear/overview.html", context)


class PartnershipStatusChangeInline(StatusChangeInline):
    model = PartnershipStatusChange


@admin.register(Partnership)
class PartnershipAdmin(AutocompleteMixin, DecisionAdminMixin, SimpleHistoryAdmin):
    form = PartnershipAdminForm
    list_display = [
        "organisation",
        "year",
        "status",
        "nation",
        "returning",
        "sends_to_host",
        "hosts_from_host",
        "confirmed_by",
        "confirmed_at",
    ]
    list_filter = [year_filter("year"), "organisation__nation", "status", ReturningFilter]
    search_fields = ["organisation__name", "organisation__town"]
    autocomplete_fields = ["year", "organisation", "coordinators"]
    readonly_fields = ["status", "invited_by", "invited_at", "confirmed_by", "confirmed_at"]
    inlines = [PartnershipStatusChangeInline]
    actions = ["confirm_selected", "decline_selected"]

    def get_queryset(self, request):
        return selectors.partnerships_with_details().select_related("confirmed_by")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["year", "organisation"]
        return fields

    def get_urls(self):
        return [
            path(
                "<int:pk>/status/",
                self.admin_site.admin_view(self.status_view),
                name="partners_partnership_status",
            ),
            *super().get_urls(),
        ]

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status in TO_CONFIRM)

    @admin.display(description=gettext_lazy("nation"), ordering="organisation__nation")
    def nation(self, partnership):
        return partnership.organisation.get_nation_display()

    @admin.display(boolean=True, description=gettext_lazy("returning"))
    def returning(self, partnership):
        return partnership.is_returning

    def save_model(self, request, obj, form, change):
        _save_partnership(request, obj, obj.year)

    def get_actions(self, request):
        # Deleting is for one mistaken invitation at a time (see
        # has_delete_permission); a bulk delete could sweep up confirmed partners.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(
        description=gettext_lazy("Confirm the selected invitations"), permissions=["change"]
    )
    def confirm_selected(self, request, queryset):
        confirm_partnerships(request, queryset.order_by("year__year", "organisation__name"))

    @admin.action(
        description=gettext_lazy("Record the selected invitations as declined"),
        permissions=["change"],
    )
    def decline_selected(self, request, queryset):
        declined = []
        for partnership in queryset.order_by("organisation__name"):
            try:
                services.partnership_decline(partnership=partnership, by=request.user)
            except services.PartnershipError as error:
                messages.error(request, str(error))
            else:
                declined.append(partnership.organisation.name)
        if declined:
            messages.success(
                request, _("Recorded as declined: %(names)s.") % {"names": ", ".join(declined)}
            )

    def status_view(self, request, pk):
        """Move one partnership on (confirm, decline, withdraw, invite again) with a note."""
        partnership = get_object_or_404(
            Partnership.objects.select_related("year", "organisation"), pk=pk
        )
        if not self.has_change_permission(request, partnership):
            raise PermissionDenied
        form = PartnershipStatusForm(
            request.POST if request.method == "POST" else None, partnership=partnership
        )

        def decide(data: dict) -> str:
            action = cast(
                Callable[..., Partnership],
                {
                    Partnership.Status.CONFIRMED: services.partnership_confirm,
                    Partnership.Status.DECLINED: services.partnership_decline,
                    Partnership.Status.WITHDRAWN: services.partnership_withdraw,
                    Partnership.Status.INVITED: services.partnership_reinvite,
                }[data["to_status"]],
            )
            kwargs = {"partnership": partnership, "by": request.user}
            if action is not services.partnership_confirm:
                kwargs["note"] = data["note"]
            moved = action(**kwargs)
            messages.success(
                request,
                _("%(partnership)s is now %(status)s.")
                % {"partnership": moved, "status": moved.get_status_display().lower()},
            )
            return reverse("admin:partners_partnership_change", args=[moved.pk])

        return self.decision_response(
            request,
            form=form,
            decide=decide,
            default_field="to_status",
            template="admin/partners/partnership/status.html",
            context={
                "title": _("Change the status of %(partnership)s") % {"partnership": partnership},
                "original": partnership,
                "partnership": partnership,
            },
        )
