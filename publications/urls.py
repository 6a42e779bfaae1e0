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
    re_path(
        r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})/$", views.work_detail, name="work"
    ),
    # A versioned id (0704.0866v2) answers 301 to the work's page, which shows every version.
    re_path(r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})[vV]\d+/$", views.work_version),
    # Exports: citations of a work, a record's works, a search page; the conflict-of-interest list.
    re_path(
        r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})/cite\.bib$",
        views.work_export,
        {"fmt": "bib"},
        name="work-bib",
    ),
    re_path(
        r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})/cite\.ris$",
        views.work_export,
        {"fmt": "ris"},
        name="work-ris",
    ),
    path(
        "authors/<str:slug>/works.bib",
        views.author_works_export,
        {"fmt": "bib"},
        name="author-works-bib",
    ),
    path(
        "authors/<str:slug>/works.ris",
        views.author_works_export,
        {"fmt": "ris"},
        name="author-works-ris",
    ),
    path(
        "authors/<str:slug>/works.csv",
        views.author_works_export,
        {"fmt": "csv"},
        name="author-works-csv",
    ),
    path("authors/<str:slug>/coauthors/", views.author_coauthors, name="author-coauthors"),
    path(
        "authors/<str:slug>/coauthors.csv",
        views.author_coauthors,
        {"fmt": "csv"},
        name="author-coauthors-csv",
    ),
    path("search/works.bib", views.search_export, {"fmt": "bib"}, name="search-bib"),
    path("search/works.ris", views.search_export, {"fmt": "ris"}, name="search-ris"),
    re_path(
        r"^works/(?P<arxiv_id>[A-Za-z.\-]+/\d{7}|\d{4}\.\d{4,5})/authors/$",
        views.work_authors,
        name="work-authors",
    ),
]
