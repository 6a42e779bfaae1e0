"""Signals publications sends so that apps built on it (graph) can react without a reverse import."""

from django.dispatch import Signal

# Sent after commit when the authorships of some author records changed (import, curation, claim).
# Receivers get ``author_ids``: a sorted list of author record ids.
authors_changed = Signal()
