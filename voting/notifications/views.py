"""The opt-out page behind the signed link in every announcement e-mail."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from voting.notifications import announcements as notifications


@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """Stop announcement e-mails from the signed link in one of them; no login needed."""
    member = notifications.member_for_token(token)
    if member is None:
        raise Http404("This link is not valid")
    if request.method == "POST":
        notifications.opt_out(member=member)  # opting out twice is fine
    return render(request, "voting/opt_out.html", {"member": member, "done": request.method == "POST"})
