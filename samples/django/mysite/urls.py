"""The Django sample's URLs: the notes app, the admin, and the admin's static files."""
from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path

urlpatterns = [
    path("", include("notes.urls")),
    path("admin/", admin.site.urls),
    # The sample serves its own static files (the admin's CSS) so that it runs alone; in production let nginx do it.
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
]
