from django.urls import path

from profiles import views
from profiles.feeds import AuthorWorksFeed

app_name = "profiles"
urlpatterns = [
    path("authors/<str:slug>/", views.author_detail, name="author"),
    path("authors/<str:slug>/feed/", AuthorWorksFeed(), name="author-feed"),
]
