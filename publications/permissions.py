"""Who may do what. Pure checks on a user object (no queries beyond the user's cached groups)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

CURATORS_GROUP = "curators"


def is_curator(user) -> bool:
    """Curators are active staff in the "curators" group, or superusers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=CURATORS_GROUP).exists()


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
