from django import forms

MAX_CSV_BYTES = 1_000_000


class NomineeCsvForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Header row with: name (required), product_name, ticker, description, website, order, active.",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB.")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.") from None
