"""The baselines: hello, one INSERT, and the Django tutorial's vote (part 4) as the tutorial writes it."""

from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from bench.bare.models import Hit, Question


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world.")


@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    Hit.objects.create()
    return HttpResponse("inserted")


@require_POST
def vote(request: HttpRequest, question_id: int) -> HttpResponse:
    """The tutorial's vote view: read the question, read the choice, `F('votes') + 1`, redirect."""
    question = get_object_or_404(Question, pk=question_id)
    selected_choice = question.choice_set.get(pk=request.POST["choice"])
    selected_choice.votes = F("votes") + 1
    selected_choice.save()
    return HttpResponseRedirect(f"/polls/{question.id}/results/")
