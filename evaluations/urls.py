from django.urls import path

from evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("evaluations/", views.EvaluationListView.as_view(), name="response_list"),
    path(
        "evaluations/<int:pk>/<slug:instrument>/",
        views.ResponseFormView.as_view(),
        name="response_form",
    ),
    path("testimonials/", views.TestimonialListView.as_view(), name="testimonial_list"),
    path(
        "testimonials/new/<int:pk>/",
        views.TestimonialCreateView.as_view(),
        name="testimonial_create",
    ),
    path(
        "testimonials/<int:pk>/withdraw/",
        views.TestimonialWithdrawView.as_view(),
        name="testimonial_withdraw",
    ),
    path("reports/", views.ReportView.as_view(), name="report"),
    path("reports/export.csv", views.ReportExportView.as_view(), name="report_csv"),
]
