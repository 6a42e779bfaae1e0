"""Curation events in words, for curators and owners: "moved 3 works to x-li--2", not the raw
before/after data (which stays in the audit log). Pure: reads only the event's own fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from publications.models import CurationEvent


def _count(value: Any) -> int:
    if isinstance(value, list | tuple | dict | set):
        return len(value)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _n(count: int, thing: str, plural: str | None = None) -> str:
    return f"{count} {thing if count == 1 else plural or thing + 's'}"


def _level(value: Any) -> str:
    return f"L{value}" if value not in (None, "") else "its level"


def _merge(before: dict, after: dict, event: CurationEvent) -> str:
    merged = after.get("merged_slug") or "a record"
    kept = after.get("kept_slug") or "another record"
    moved = [_n(_count(before.get("authorships")), "work")]
    for key, thing in (
        ("follows_moved", "follow"),
        ("claims_moved", "claim"),
        ("invitations_moved", "invitation"),
    ):
        if _count(before.get(key)):
            moved.append(_n(_count(before.get(key)), thing))
    return f"merged {merged} into {kept}, moving {', '.join(moved)}"


def _unmerge(before: dict, after: dict, event: CurationEvent) -> str:
    text = f"undid a merge: {_n(_count(after.get('authorships_back')), 'work')} moved back"
    left = _count(after.get("authorships_left"))
    if left:
        text += f" ({_n(left, 'work')} stayed, attributed elsewhere since)"
    if _count(after.get("claims_back")):
        text += f", {_n(_count(after.get('claims_back')), 'claim')} restored"
    return text


def _split(before: dict, after: dict, event: CurationEvent) -> str:
    works = after.get("works") or before.get("authorships") or []
    return f"moved {_n(_count(works), 'work')} to {after.get('new_slug') or 'a new record'} (split off)"


def _disowned(before: dict, after: dict, event: CurationEvent) -> str:
    return (
        f"the owner marked arXiv:{before.get('work', '?')} as not theirs; it moved to "
        f"{after.get('author_slug') or 'a new record'}"
    )


def _added(before: dict, after: dict, event: CurationEvent) -> str:
    position = before.get("position")
    where = f" (author line {position})" if position else ""
    return f"the owner added arXiv:{after.get('work') or before.get('work', '?')}{where}"


def _claim_approved(before: dict, after: dict, event: CurationEvent) -> str:
    how = " automatically, on strong evidence" if after.get("automatic") else ""
    return f"approved the claim at {_level(after.get('verification_level'))}{how}"


def _claim_rejected(before: dict, after: dict, event: CurationEvent) -> str:
    if before.get("state") == "approved":
        return "revoked the approved claim; the record is unclaimed again"
    return "rejected the claim"


def _claim_withdrawn(before: dict, after: dict, event: CurationEvent) -> str:
    if before.get("state") == "approved":
        return "the owner gave the record up; it is unclaimed again"
    return "the claimant withdrew their claim"


_FIELD_NAMES = {
    "bio": "bio",
    "institution": "affiliation",
    "institution_id": "affiliation",
    "open_to_collaborate": "open to collaborate",
    "display_name": "display name",
    "name_variants": "name variants",
    "may_combine_several": "flag \u201cmay combine several researchers\u201d",
    "hidden": "hidden",
    "receives_imports": "receives imports",
    "slug": "address (slug)",
}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value in (None, "", []):
        return "empty"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value[:5]) + ("…" if len(value) > 5 else "")
    text = str(value)
    return f"\u201c{text[:60]}{'…' if len(text) > 60 else ''}\u201d"


def _changed(before: dict, after: dict, event: CurationEvent) -> str:
    parts = []
    for key in after:
        if before.get(key) == after.get(key):
            continue
        name = _FIELD_NAMES.get(key, key.replace("_", " "))
        if key == "bio":
            parts.append("edited the bio")
        else:
            parts.append(f"{name}: {_value(before.get(key))} \u2192 {_value(after.get(key))}")
    return "changed " + "; ".join(parts) if parts else "saved the record with no change"


def _work(verb: str) -> Callable[[dict, dict, CurationEvent], str]:
    def describe(before: dict, after: dict, event: CurationEvent) -> str:
        reason = after.get("hidden_reason")
        return f"{verb} arXiv:{event.target_id}" + (f" ({reason})" if reason else "")

    return describe


DESCRIBE: dict[str, Callable[[dict, dict, CurationEvent], str]] = {
    "merge": _merge,
    "unmerge": _unmerge,
    "split": _split,
    "authorship_disowned": _disowned,
    "identity_moved": lambda b, a, e: (
        f"moved {_n(_count(a.get('works') or []), 'work')} to {a.get('slug') or 'another record'}"
        " (the identity engine: their person's record)"
    ),
    "identity_move_undone": lambda b, a, e: (
        f"moved {_n(_count(a.get('works') or []), 'work')} back (a curator rejected the identity"
        " engine's move)"
    ),
    "authorship_added": _added,
    "claim_created": lambda b, a, e: (
        f"claimed the record (evidence {_level(a.get('evidence_level'))})"
    ),
    "claim_approved": _claim_approved,
    "claim_rejected": _claim_rejected,
    "claim_withdrawn": _claim_withdrawn,
    "author_edited": _changed,
    "edit": _changed,
    "author_hidden": lambda b, a, e: "the owner hid the record's page",
    "author_shown": lambda b, a, e: "the owner showed the record's page again",
    "flag": lambda b, a, e: "flagged the record: it may combine several researchers",
    "unflag": lambda b, a, e: "cleared the flag \u201cmay combine several researchers\u201d",
    "flag_to_recompute": lambda b, a, e: (
        "left the flag \u201cmay combine several researchers\u201d to the recompute again"
    ),
    "recompute": lambda b, a, e: "recomputed the counters and the trust score",
    "hide": _work("hid the work"),
    "restore": _work("restored the work"),
    "reimport": lambda b, a, e: (
        f"re-imported arXiv:{e.target_id} from arXiv"
        + (
            f" (now {_n(_count(a.get('version_count')), 'version')})"
            if a.get("version_count")
            else ""
        )
    ),
    "merge_requested": lambda b, a, e: (
        "the owner asked curators to merge another of their records into this one"
    ),
}


def describe_event(event: CurationEvent) -> str:
    """One line saying what the event did, in words."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    describe = DESCRIBE.get(event.action)
    if describe is not None:
        try:
            return describe(before, after, event)
        except (TypeError, ValueError, AttributeError, KeyError):
            pass
    words = event.action.replace("_", " ")
    keys = sorted(set(before) | set(after))
    return f"{words}" + (f" ({', '.join(k.replace('_', ' ') for k in keys)})" if keys else "")
