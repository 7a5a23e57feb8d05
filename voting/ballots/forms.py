"""The ballot form: one field per category, shaped by the category's voting method.

It checks the whole ballot with the same rules the service applies (voting/rules.py), so
every problem appears next to its category before anything is stored.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from awards.models import Nominee
from voting.ballots.rules import (
    BallotRules,
    CategoryRule,
    check_category,
    check_selections,
    order_by_ranks,
    ordinal,
)
from voting.models import normalise_receipt_code

FIELD_PREFIX = "category-"


def _is_ascii_number(text: str) -> bool:
    """Only 0-9: `int()` also reads Arabic-Indic or fullwidth digits, which no rank select or nominee id sends."""
    return text.isascii() and text.isdigit()


def field_name(category_id: int) -> str:
    return f"{FIELD_PREFIX}{category_id}"


class ListValuedRadioSelect(forms.RadioSelect):
    """Radio buttons that hand every submitted value to the field, so a tampered form with
    two choices is reported instead of silently keeping the last one."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:  # noqa: ARG002 - Django's signature
        return list(data.getlist(name)) if hasattr(data, "getlist") else [data.get(name, "")]


class RankWidget(forms.Widget):
    """One rank box per nominee, named `<field>-<nominee id>`.

    `invalid_rows` names the nominees whose rank is in conflict (two sharing a rank), so that
    only their rows are marked; the field sets it while cleaning. voting/js/ranking.js turns
    the boxes into an ordered list and writes the ranks back into them.
    """

    template_name = "voting/widgets/ranks.html"

    def __init__(self, nominees: Sequence[Nominee]) -> None:
        super().__init__()
        self.nominees = list(nominees)
        self.invalid_rows: frozenset[int] = frozenset()

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[int | str, str]:  # noqa: ARG002 - Django's
        """Every posted rank of this category, also for nominees the page did not offer.

        A rank for a withdrawn, unknown or other-category nominee is kept (keyed by what was
        posted) so the field refuses it with the category's message instead of dropping it.
        """
        ranks: dict[int | str, str] = {nominee.pk: "" for nominee in self.nominees}
        prefix = f"{name}-"
        for key in data:
            if key.startswith(prefix):
                suffix = key[len(prefix) :]
                ranks[int(suffix) if _is_ascii_number(suffix) else suffix] = str(data.get(key, "")).strip()
        return ranks

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        value = value or {}
        context["widget"]["rows"] = [
            {
                "name": f"{name}-{nominee.pk}",
                "id": f"id_{name}-{nominee.pk}",
                "nominee": nominee,
                "value": value.get(nominee.pk, ""),
                "invalid": nominee.pk in self.invalid_rows,
            }
            for nominee in self.nominees
        ]
        context["widget"]["ranks"] = [
            {"number": rank, "value": str(rank), "label": ordinal(rank)} for rank in range(1, len(self.nominees) + 1)
        ]
        return context


class NomineesField(forms.Field):
    """The nominee ids chosen in one category, as a list (ranked: in preference order)."""

    def __init__(self, rule: CategoryRule, **kwargs: Any) -> None:
        self.rule = rule
        self.gaps_closed = False  # set while cleaning: the posted ranks had gaps, now closed up
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[int]:
        if isinstance(value, dict):
            return self._from_ranks(value)
        chosen = []
        for raw in value if isinstance(value, list | tuple) else [value]:
            if raw in ("", None):
                continue
            if not _is_ascii_number(str(raw)):
                raise forms.ValidationError(f"“{str(raw)[:40]}” is not a nominee in {self.rule.title}.")
            chosen.append(int(raw))
        return chosen

    def _from_ranks(self, raw_ranks: Mapping[int | str, str]) -> list[int]:
        ranks: dict[int, int] = {}
        for nominee_id, raw in raw_ranks.items():
            if raw == "":
                continue
            if not isinstance(nominee_id, int):
                raise forms.ValidationError(f"“{nominee_id[:40]}” is not a nominee in {self.rule.title}.")
            if not _is_ascii_number(raw):
                raise forms.ValidationError(f"Ranks are whole numbers from 1 to {self.rule.limit}.")
            ranks[nominee_id] = int(raw)
        offered = check_category(self.rule, [n for n in ranks if n not in self.rule.active_nominees])
        if offered:
            raise forms.ValidationError(offered)
        outcome = order_by_ranks(self.rule, ranks)
        if isinstance(self.widget, RankWidget):
            self.widget.invalid_rows = outcome.conflicting
        if outcome.problems:
            raise forms.ValidationError(outcome.problems)
        self.gaps_closed = outcome.gaps_closed
        return outcome.ordered

    def validate(self, value: list[int]) -> None:
        problems = check_category(self.rule, value)
        if problems:
            raise forms.ValidationError(problems)


class NomineeCheckboxes(forms.CheckboxSelectMultiple):
    """Approval: one box per nominee, labelled like the category page (name, product, ticker, image)."""

    option_template_name = "voting/widgets/nominee_option.html"


class NomineeRadios(ListValuedRadioSelect):
    option_template_name = "voting/widgets/nominee_option.html"


class BallotForm(forms.Form):
    """The whole ballot. `nominees` are each category's active nominees in the order this
    member's ballot lists them (`selectors.ballot_order`); the choice labels are the nominees
    themselves, so the templates can show what the category page shows."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(
        self, rules: BallotRules, *args: Any, nominees: Mapping[int, Sequence[Nominee]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        for rule in rules.categories:
            listed = [n for n in nominees.get(rule.id, []) if n.pk in rule.active_nominees]
            field = NomineesField(rule, label=rule.title)
            if rule.is_ranked:
                field.widget = RankWidget(listed)
            elif rule.method == "approval":
                field.widget = NomineeCheckboxes(choices=[(n.pk, n) for n in listed])
            else:
                field.widget = NomineeRadios(choices=[("", "Abstain"), *((n.pk, n) for n in listed)])
            self.fields[field_name(rule.id)] = field

    @staticmethod
    def initial_for(selections: Mapping[int, Sequence[int]], rules: BallotRules, version: int) -> dict[str, Any]:
        initial: dict[str, Any] = {"version": version}
        for rule in rules.categories:
            chosen = list(selections.get(rule.id, []))
            if rule.is_ranked:
                initial[field_name(rule.id)] = {nid: str(rank) for rank, nid in enumerate(chosen, start=1)}
            elif rule.method == "approval":
                initial[field_name(rule.id)] = [str(n) for n in chosen]
            else:
                initial[field_name(rule.id)] = str(chosen[0]) if chosen else ""
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        foreign = sorted(
            key for key in self.data if key.startswith(FIELD_PREFIX) and key.split("-")[1] not in self._own_ids()
        )
        if foreign:
            raise forms.ValidationError(f"This ballot names a category that is not part of {self.rules.edition_name}.")
        problems = check_selections(self.rules, self.selections_or_empty(cleaned))
        for message in problems.get(None, []):
            self.add_error(None, message)
        return cleaned

    def _own_ids(self) -> set[str]:
        return {str(rule.id) for rule in self.rules.categories}

    def selections_or_empty(self, cleaned: Mapping[str, Any] | None = None) -> dict[int, list[int]]:
        data = self.cleaned_data if cleaned is None else cleaned
        return {rule.id: list(data.get(field_name(rule.id)) or []) for rule in self.rules.categories}

    def resubmission_fields(self) -> list[tuple[str, str]]:
        """The validated ballot as hidden (name, value) pairs, for the review step to post back."""
        pairs = [("version", str(self.cleaned_data["version"]))]
        for rule in self.rules.categories:
            for rank, nominee_id in enumerate(self.selections.get(rule.id, []), start=1):
                if rule.is_ranked:
                    pairs.append((f"{field_name(rule.id)}-{nominee_id}", str(rank)))
                else:
                    pairs.append((field_name(rule.id), str(nominee_id)))
        return pairs

    def show_rejection(self, problems: Mapping[int | None, list[str]]) -> None:
        """Place a service's refusal next to the categories it concerns."""
        for category_id, messages in problems.items():
            for message in messages:
                self.add_error(None if category_id is None else field_name(category_id), message)

    @property
    def gaps_closed(self) -> list[str]:
        """Titles of the ranked categories whose posted ranks had gaps, closed up in `selections`."""
        return [
            str(field.label or "")
            for field in self.fields.values()
            if isinstance(field, NomineesField) and field.gaps_closed
        ]

    @property
    def selections(self) -> dict[int, list[int]]:
        return {k: v for k, v in self.selections_or_empty().items() if v}


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label="Receipt code",
        max_length=40,
        help_text="The code shown when the ballot was submitted, like PDM-7KQ2-X9TF-4HWA-M3CE. "
        "Spaces, missing dashes and lower case are fine.",
    )

    def clean_code(self) -> str:
        return normalise_receipt_code(str(self.cleaned_data["code"]))
