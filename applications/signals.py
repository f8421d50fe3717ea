"""Signals for the apps above this one, which applications must not import."""

from django.dispatch import Signal

# Sent inside the withdrawal's transaction, with `application` and `by`: a selected
# applicant's placement is cancelled with it (see placements.receivers).
application_withdrawn = Signal()
