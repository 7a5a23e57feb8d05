"""Staff forms of the voting side."""

from collections.abc import Iterable
from typing import Any

from django import forms

from awards.forms import ReasonForm


class ClusterReviewForm(ReasonForm):
    """Which of a cluster's counted ballots to invalidate (ticked), and why."""

    ballots = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Invalidate these ballots",
        error_messages={"required": "Tick at least one ballot to invalidate, or go back."},
    )

    field_order = ("ballots", "reason")

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
