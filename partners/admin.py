from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from partners.models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "job_title", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "nation", "town", "can_host"]
    list_filter = ["nation", "kind", "can_host"]
    search_fields = ["name", "town", "region"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "can_host"]}),
        (_("Where"), {"fields": ["nation", "region", "town", "website"]}),
        (_("Staff"), {"fields": ["email_domains"]}),
    ]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "job_title", "created_at"]
    list_filter = ["role", "organisation__nation", "organisation"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


class MembershipOfUserInline(MembershipInline):
    fk_name = "user"
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "job_title", "created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["full_name", "email"]
    list_display = ["full_name", "email", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["full_name", "email"]
    inlines = [MembershipOfUserInline]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # The programme manager runs the programme, not the site: only a
        # superuser can hand out superuser status or change groups.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "groups", "is_staff"]
        return fields
