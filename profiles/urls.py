from django.urls import path

from profiles import views

app_name = "profiles"
urlpatterns = [
    path("authors/<str:slug>/", views.author_detail, name="author"),
]
