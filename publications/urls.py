from django.urls import path, re_path

from publications import views

app_name = "publications"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("favicon.ico", views.favicon, name="favicon"),
    # arXiv categories: "astro-ph", "astro-ph.GA", "cs.LG", "hep-th", "q-bio.NC".
    re_path(r"^topics/(?P<code>[A-Za-z\-]+(?:\.[A-Za-z\-]+)?)/$", views.topic_detail, name="topic"),
    # New-style ids (2101.00001) and old-style ids with a slash (hep-th/9901001).
    re_path(r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})/$", views.work_detail, name="work"),
    re_path(r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})/authors/$", views.work_authors,
            name="work-authors"),
]
