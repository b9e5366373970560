"""The notes app's views: the list with its create form (POST, then redirect), and a per-session visit counter."""
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


def counter(request):
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    return render(request, "notes/counter.html", {"visits": visits})
