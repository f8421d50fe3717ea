from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """The extra field allauth's sign-up form asks for."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("As your colleagues know you; coordinators will see it."),
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
