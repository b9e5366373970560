"""The Django sample's project package: settings, URLs and the WSGI entry point (mysite.wsgi:application)."""
