from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    # Public.
    path("calls/", views.CallListView.as_view(), name="call_list"),
    path("calls/<int:pk>/", views.CallDetailView.as_view(), name="call_detail"),
    # Staff applying.
    path("calls/<int:pk>/apply/", views.ApplicationStartView.as_view(), name="application_start"),
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path(
        "applications/<int:pk>/",
        views.ApplicationDetailView.as_view(),
        name="application_detail",
    ),
    path(
        "applications/<int:pk>/edit/",
        views.ApplicationUpdateView.as_view(),
        name="application_update",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        views.ApplicationWithdrawView.as_view(),
        name="application_withdraw",
    ),
    path(
        "applications/<int:pk>/place/",
        views.ApplicationPlaceView.as_view(),
        name="application_place",
    ),
    path(
        "applications/<int:pk>/endorsement/",
        views.EndorsementResendView.as_view(),
        name="endorsement_resend",
    ),
    # Line managers, by the emailed link alone.
    path("endorse/<str:token>/", views.EndorseView.as_view(), name="endorse"),
    # Coordinators.
    path("review/", views.CoordinatorCallListView.as_view(), name="coordinator_call_list"),
    path("review/selection/", views.SelectionReportView.as_view(), name="selection_report"),
    path("review/calls/<int:pk>/", views.CallReviewView.as_view(), name="call_review"),
    path("review/calls/<int:pk>/scores.csv", views.CallScoresCsvView.as_view(), name="call_scores"),
    path("review/calls/<int:pk>/guidance/", views.CallUpdateView.as_view(), name="call_update"),
    path("review/calls/<int:pk>/release/", views.CallReleaseView.as_view(), name="call_release"),
    path("review/calls/<int:pk>/panel/", views.CallPanelView.as_view(), name="call_panel"),
    path("review/calls/<int:pk>/criteria/", views.CallRubricView.as_view(), name="call_rubric"),
    path(
        "review/applications/<int:pk>/",
        views.ApplicationReviewView.as_view(),
        name="application_review",
    ),
    path(
        "review/applications/<int:pk>/moderate/",
        views.ApplicationModerateView.as_view(),
        name="application_moderate",
    ),
    path("hosting/", views.HostingListView.as_view(), name="hosting_list"),
    # Readers of a call's applications.
    path("reading/", views.ReadingListView.as_view(), name="reading_list"),
    path("reading/<int:pk>/", views.ReadingView.as_view(), name="reading"),
    path("hosting/<int:pk>/", views.HostingDetailView.as_view(), name="hosting_detail"),
]
