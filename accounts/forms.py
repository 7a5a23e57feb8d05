from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=80,
        help_text="What the token is for (for example “results dashboard”), so you can recognise it later.",
    )
