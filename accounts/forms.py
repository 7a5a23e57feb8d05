from typing import Any

from allauth.account import forms as allauth_forms
from allauth.account.fields import EmailField
from django import forms

from accounts.addresses import normalize_email


class MailboxField(EmailField):
    """An e-mail field whose value is the address's one stored form (accounts.addresses).

    Normalising before Django's validators run means an invisible character gets its own
    message, and the validators check the ASCII (IDNA) form that will be stored.
    """

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        return normalize_email(text) if text else text


class SignupForm(allauth_forms.SignupForm):
    email = MailboxField()


class AddEmailForm(allauth_forms.AddEmailForm):
    email = MailboxField(required=True)


class ChangeEmailForm(allauth_forms.ChangeEmailForm):
    email = MailboxField(required=True)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=80,
        help_text="What the token is for (for example “results dashboard”), so you can recognise it later.",
    )
