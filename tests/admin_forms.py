"""Post an admin change form as a browser would: every field with the value it shows."""

from typing import Any

from django import forms
from django.test import Client


def _bound_data(bound: forms.BoundField) -> dict[str, Any]:
    widget = bound.field.widget
    value = bound.value()
    if isinstance(widget, forms.CheckboxInput):
        return {bound.html_name: "on"} if value else {}
    context = widget.get_context(bound.html_name, value, {})["widget"]
    data: dict[str, Any] = {}
    for sub in context.get("subwidgets") or [context]:
        shown = sub["value"]
        data[sub["name"]] = shown if isinstance(shown, list) else ("" if shown is None else shown)
    return data


def _form_data(form: forms.BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound in form:
        data.update(_bound_data(bound))
    return data


def change_form_data(client: Client, url: str) -> dict[str, Any]:
    """The admin change form at `url` as its page shows it (inlines and management forms included)."""
    response = client.get(url)
    assert response.status_code == 200, response
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data
