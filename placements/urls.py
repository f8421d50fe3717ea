from django.urls import path

from placements import views

app_name = "placements"

urlpatterns = [
    # Participants and supervisors.
    path("placements/", views.PlacementListView.as_view(), name="placement_list"),
    path("placements/<int:pk>/", views.PlacementDetailView.as_view(), name="placement_detail"),
    path("placements/<int:pk>/plan/", views.PlanView.as_view(), name="placement_plan"),
    path(
        "placements/<int:pk>/dates/",
        views.PlacementAcceptDatesView.as_view(),
        name="placement_accept_dates",
    ),
    path(
        "placements/<int:pk>/plan/print/",
        views.PlanPrintView.as_view(),
        name="placement_plan_print",
    ),
    path(
        "placements/<int:pk>/plan/<int:session_pk>/edit/",
        views.PlanSessionUpdateView.as_view(),
        name="plansession_update",
    ),
    path(
        "placements/<int:pk>/plan/<int:session_pk>/remove/",
        views.PlanSessionDeleteView.as_view(),
        name="plansession_delete",
    ),
    path(
        "placements/<int:pk>/placement.ics",
        views.PlacementCalendarFileView.as_view(),
        name="placement_ics",
    ),
    path(
        "placements/<int:pk>/expenses/new/",
        views.ExpenseClaimCreateView.as_view(),
        name="expenseclaim_create",
    ),
    path(
        "expenses/<int:pk>/edit/",
        views.ExpenseClaimUpdateView.as_view(),
        name="expenseclaim_update",
    ),
    path("expenses/<int:pk>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    # Coordinators.
    path("approvals/", views.ApprovalQueueView.as_view(), name="approval_queue"),
    path(
        "approvals/propose/<int:pk>/",
        views.PlacementProposeView.as_view(),
        name="placement_propose",
    ),
    path(
        "approvals/propose/<int:pk>/invite-supervisor/",
        views.SupervisorInviteView.as_view(),
        name="supervisor_invite",
    ),
    path(
        "approvals/<int:pk>/",
        views.PlacementDecideView.as_view(),
        name="placement_decide",
    ),
    path(
        "approvals/<int:pk>/revise/",
        views.PlacementReviseView.as_view(),
        name="placement_revise",
    ),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    # Everyone's private calendar address.
    path("calendar/feed/", views.CalendarFeedView.as_view(), name="calendar_feed"),
    path(
        "calendar/feed/<str:token>.ics",
        views.CalendarFeedFileView.as_view(),
        name="calendar_feed_file",
    ),
]
