from django.urls import re_path

from publications import views

app_name = "publications"
urlpatterns = [
    # New-style ids (2101.00001) and old-style ids with a slash (hep-th/9901001).
    re_path(r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})/$", views.work_detail, name="work"),
]
