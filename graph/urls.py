from django.urls import path

from graph import api, views

app_name = "graph"
urlpatterns = [
    path("api/graph/slice/", api.GraphSliceApi.as_view(), name="slice-api"),
    path("graph/", views.explorer, name="explorer"),
]
