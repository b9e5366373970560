"""The notes app's views: the list with its create form (POST, then redirect), the latest notes as JSON, and a
per-session visit counter."""
from datetime import timezone

from django.http import JsonResponse
from django.shortcuts import redirect, render

from notes.forms import NoteForm
from notes.models import Note


def note_list(request):
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            form.save()
            return redirect("notes:list")
        status = 400
    else:
        form = NoteForm()
        status = 200
    return render(request, "notes/list.html", {"form": form, "notes": Note.objects.all()[:50]}, status=status)


def notes_json(request):
    """The 20 newest notes, as `mixed --pg` answers /native/notes.json: created in UTC to the millisecond."""
    notes = [
        {"id": note.id, "title": note.title, "body": note.body, "created": utc_millis(note.created)}
        for note in Note.objects.all()[:20]
    ]
    return JsonResponse(notes, safe=False)


def utc_millis(moment):
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def counter(request):
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    return render(request, "notes/counter.html", {"visits": visits})
