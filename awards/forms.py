from typing import Any

from django import forms

from awards.models import Category, Edition, validate_visible_name

MAX_CSV_BYTES = 1_000_000


class NomineeCsvForm(forms.Form):
    """A nominee CSV: uploaded first, then sent back as text from the preview to be confirmed."""

    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="Header row with: name (required), product_name, ticker, description, website, order, active; "
        "any case, separated by commas or semicolons. Saved as UTF-8, at most 1 MB.",
    )
    text = forms.CharField(widget=forms.HiddenInput, required=False, strip=False, max_length=MAX_CSV_BYTES)

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload is None:
            return ""
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB.")
        try:
            text = str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.") from None
        if "\x00" in text:  # no cell can hold NUL (PostgreSQL refuses it): say where, store nothing
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise forms.ValidationError(f"Line {line} contains a NUL character; no cell can hold one.")
        return text

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not self.errors and not cleaned.get("file") and not cleaned.get("text"):
            self.add_error("file", "Choose a CSV file.")
        return cleaned

    @property
    def csv_text(self) -> str:
        return str(self.cleaned_data.get("file") or self.cleaned_data.get("text") or "")


class NominationForm(forms.Form):
    """A member's suggestion: which category, who, and why."""

    category = forms.ModelChoiceField(queryset=Category.objects.none(), empty_label="Choose a category")
    name = forms.CharField(
        max_length=120, validators=[validate_visible_name], help_text="The company, project or person you suggest."
    )
    product_name = forms.CharField(
        max_length=160, required=False, label="Product name", help_text="Optional: the product or work you mean."
    )
    link = forms.URLField(required=False, assume_scheme="https", label="Link")
    why = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, label="Why they deserve it")

    def __init__(self, edition: Edition, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = edition.categories  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    """The reason staff give for a moderation or review step; it goes into the audit trail."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Required. Kept in the audit trail with your name.",
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason
