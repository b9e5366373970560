"""The Django sample's URLs: the notes app and the admin (its static files are updraft's: --static-map)."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("notes.urls")),
    path("admin/", admin.site.urls),
]
