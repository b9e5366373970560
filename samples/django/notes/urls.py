"""URLs of the notes app."""
from django.urls import path

from notes import views

app_name = "notes"
urlpatterns = [
    path("", views.note_list, name="list"),
    path("counter/", views.counter, name="counter"),
    path("notes.json", views.notes_json, name="json"),
]
