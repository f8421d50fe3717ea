from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("programme/<int:year>/", views.ProgrammeYearDetailView.as_view(), name="year_detail"),
    path("partnerships/", views.PartnershipListView.as_view(), name="partnership_list"),
    path(
        "account/email-preferences/",
        views.EmailPreferencesView.as_view(),
        name="email_preferences",
    ),
    path("join/<str:token>/", views.JoinView.as_view(), name="join"),
    path(
        "partnerships/<int:pk>/",
        views.PartnershipDetailView.as_view(),
        name="partnership_detail",
    ),
]
