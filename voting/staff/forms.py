"""Staff forms of the voting side."""

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.text import slugify

from awards.forms import ReasonForm
from awards.models import Edition
from config.text import refuse_invisible_characters

YEAR = re.compile(r"\b(19|20)\d{2}\b")
PUBLIC_REASON_MAX = 500


class ModerationForm(ReasonForm):
    """Why staff set ballots aside (or restore them): an internal note, and what the voter reads.

    The note goes into the audit trail only. The public reason is optional; when given it is
    shown on the member's edition, ballot, done and receipt pages and quoted in the e-mail
    that tells them, so it is held to the rules of any text a member reads.
    """

    public_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        max_length=PUBLIC_REASON_MAX,
        required=False,
        label="Reason shown to the voter",
        help_text="Optional. The member reads this on their ballot page and in the e-mail telling them; "
        f"leave it empty to give no reason. At most {PUBLIC_REASON_MAX} characters.",
    )

    def __init__(self, *args: Any, restoring: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        note = self.fields["reason"]
        note.label = "Internal note for staff"
        note.help_text = "Required. Kept in the audit trail with your name; the voter never sees it."
        if restoring:
            public = self.fields["public_reason"]
            public.label = "Note shown to the voter"
            public.help_text = (
                "Optional. The member reads this in the e-mail telling them their ballot counts again; "
                f"leave it empty to send the e-mail without a note. At most {PUBLIC_REASON_MAX} characters."
            )

    def clean_public_reason(self) -> str:
        text = str(self.cleaned_data["public_reason"]).strip()
        refuse_invisible_characters(text, what="The reason shown to the voter")
        return text


class ClusterReviewForm(ModerationForm):
    """Which of a cluster's counted ballots to invalidate (ticked), and why (for staff, and for the voters)."""

    ballots = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Invalidate these ballots",
        error_messages={"required": "Tick at least one ballot to invalidate, or go back."},
    )

    field_order = ("ballots", "reason", "public_reason")

    def __init__(self, counted_ids: Iterable[int], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = list(counted_ids)
        field = self.fields["ballots"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101 - declared above
        field.choices = [(pk, f"Ballot {pk}") for pk in ids]
        field.initial = ids  # all ticked: untick the ones to keep
        self.counted_ids = ids

    def ticked(self) -> set[int]:
        """The ballots shown ticked: all counted ones at first, then what staff submitted."""
        values = self["ballots"].value() or []
        return {int(value) for value in values if str(value).isdigit()}


class DuplicateEditionForm(forms.Form):
    """A copy of an edition: its new name, slug and dates (offered one year on), nominees or not."""

    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=80)
    voting_opens_at = forms.SplitDateTimeField(label="Voting opens at", widget=AdminSplitDateTime)
    voting_closes_at = forms.SplitDateTimeField(label="Voting closes at", widget=AdminSplitDateTime)
    nominations_open_at = forms.SplitDateTimeField(
        label="Nominations open at", required=False, widget=AdminSplitDateTime
    )
    nominations_close_at = forms.SplitDateTimeField(
        label="Nominations close at", required=False, widget=AdminSplitDateTime
    )
    with_nominees = forms.BooleanField(label="Copy the nominees too", required=False, initial=True)

    @staticmethod
    def initial_for(source: Edition) -> dict[str, Any]:
        """The same edition a year later: the year in the name and slug moved on, dates 52 weeks on (same weekday)."""
        year_on = timedelta(weeks=52)
        name = YEAR.sub(lambda m: str(int(m.group()) + 1), source.name)
        if name == source.name:
            name = f"{source.name} (copy)"
        shifted = {
            field: (value + year_on if value else None)
            for field in ("voting_opens_at", "voting_closes_at", "nominations_open_at", "nominations_close_at")
            for value in [getattr(source, field)]
        }
        return {"name": name, "slug": slugify(name), "with_nominees": True, **shifted}
