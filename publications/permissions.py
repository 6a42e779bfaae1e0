"""Who may do what. Checks on a user object: the one query they need (is the user in the curators
group?) is made once per user object, as Django's permission backend caches a user's
permissions on it (a request loads its user afresh)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

CURATORS_GROUP = "curators"


def is_curator(user) -> bool:
    """Curators are active staff in the "curators" group, or superusers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    cached = getattr(user, "_curator_cache", None)
    if cached is None:
        cached = user.groups.filter(name=CURATORS_GROUP).exists()
        user._curator_cache = cached
    return cached


def require_signed_in(user) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Sign in first.")


def require_curator(user) -> None:
    if not is_curator(user):
        raise PermissionDenied("Only curators can do this.")


def require_owner(user, author) -> None:
    """The signed-in user owns the record (an approved claim)."""
    require_signed_in(user)
    if author.claimed_by_id != user.pk:
        raise PermissionDenied("Only the owner of this author record can change it.")
