"""Signals profiles sends so that apps built on it (graph) can react without a reverse import."""

from django.dispatch import Signal

# Sent after commit when follows, claims or an owner's edits changed some author records.
# Receivers get ``author_ids``: a sorted list of author record ids.
author_records_changed = Signal()
