"""Form widgets the apps share."""

from django import forms


class LongSelect(forms.Select):
    """A select of hundreds of choices (organisations, say), rendered quickly."""

    template_name = "core/widgets/long_select.html"
