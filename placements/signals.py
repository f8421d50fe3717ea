"""Signals for the apps above this one, which placements must not import."""

from django.dispatch import Signal

# Sent inside the reopening's transaction, with `placement` (locked): a receiver that
# must keep the placement completed raises PlacementError with the reason, which
# refuses the reopening and rolls it back (see evaluations.receivers).
placement_reopening = Signal()
