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
]
