from django import forms
from django.utils.translation import gettext_lazy as _


class AccountCloseForm(forms.Form):
    """A person's request to close their account and have their information erased."""

    reason = forms.CharField(
        label=_("Why are you closing your account? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the programme manager reads this; it is erased with your account."),
    )
    understood = forms.BooleanField(
        label=_(
            "I understand that my account will be closed and my information erased or "
            "anonymised, and that this cannot be undone"
        ),
        error_messages={
            "required": _("Tick the box to confirm that you understand what closing means.")
        },
    )
