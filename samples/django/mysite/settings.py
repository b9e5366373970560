"""Settings of the Django sample: SQLite at $DJANGO_DB_PATH (default ./db.sqlite3, git-ignored), or PostgreSQL when
$DJANGO_PG_DATABASE names a database; DEBUG off unless asked."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# A development key: set DJANGO_SECRET_KEY for anything but trying the sample out.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "updraft-sample-insecure-key-do-not-deploy")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + [
    host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH") or BASE_DIR / "db.sqlite3",
    }
}
if os.environ.get("DJANGO_PG_DATABASE"):
    # PostgreSQL through psycopg2; the host (a socket directory or a name), port, user and password come from libpq's
    # PGHOST, PGPORT, PGUSER and PGPASSWORD, as for `mixed --pg` and psql. Each worker thread keeps its connection.
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["DJANGO_PG_DATABASE"],
        "CONN_MAX_AGE": int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `manage.py collectstatic` puts the admin's CSS and JS: the build collects them into
# build/samples/django/static, which `updraft --static-map /static/=...` serves without entering Python.
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT")

# Errors (with tracebacks) and warnings go to stderr, which is updraft's error log, whatever DEBUG says.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
