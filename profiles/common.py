"""What the writes of profiles share: the limit on a message a person writes, the refusal of a
merged record, the request to verify an e-mail address first, and the after-commit notice of the
records a write changed.

Every write in follows.py, claims.py, claim_evidence.py, owner_edits.py and invitations.py is
@transaction.atomic and raises PermissionDenied (who) or ValidationError (what) with a message a
person can act on; nothing stored changes when it raises. Changes made by people are recorded as
CurationEvents; after commit ``publications.signals.author_records_changed`` tells the apps built
on them (graph, the page caches) which records to recompute.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from publications import signals
from publications.models import Author

MESSAGE_LIMIT = 2000


def records_changed(author_ids) -> None:
    """Tell receivers (graph: counters and scores) after commit which records changed."""
    ids = sorted({int(i) for i in author_ids})
    if ids:
        signals.author_records_changed_on_commit(ids, authorships_changed=False, sender=Author)


VERIFY_EMAIL_FIRST = (
    "Verify your e-mail address first: follow the link we sent you when you signed up."
)


def require_live(author: Author) -> None:
    """Refuse a write on a record that was merged into another one (no query: the callers read
    the record)."""
    if author.merged_into_id:
        raise ValidationError("This author record was merged into another one; use that record.")
