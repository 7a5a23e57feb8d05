"""Baselines a team would measure Podium against, on the same server, settings and middleware."""

from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from bench.models import Hit, Question


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world.")


def select(request: HttpRequest) -> HttpResponse:
    """One query per request: catches a connection opened per request (CONN_MAX_AGE regressions)."""
    return HttpResponse(Question.objects.filter(pk=1).values_list("question_text", flat=True).first() or "")


@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    Hit.objects.create()
    return HttpResponse("inserted")


@require_POST
def vote(request: HttpRequest, question_id: int) -> HttpResponse:
    """The Django tutorial's vote view (part 4), counter row and F() update included."""
    question = get_object_or_404(Question, pk=question_id)
    selected_choice = question.choice_set.get(pk=request.POST["choice"])
    selected_choice.votes = F("votes") + 1
    selected_choice.save()
    return HttpResponseRedirect(f"/bench/polls/{question.id}/results/")
