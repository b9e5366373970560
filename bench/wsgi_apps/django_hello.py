"""Django's hello world in one file: settings, one URL pattern for every path, one view, no database (bench app (c)).

CommonMiddleware (in every startproject) is kept: it sets Content-Length, which uWSGI's --http11-socket needs to keep a
connection alive (without it the response never ends there)."""
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=[],
    DATABASES={},
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402  (needs the settings above)
from django.http import HttpResponse  # noqa: E402
from django.urls import re_path  # noqa: E402


def hello(request):
    return HttpResponse(b"Hello, World!", content_type="text/plain")


urlpatterns = [re_path(r"", hello)]

app = get_wsgi_application()
