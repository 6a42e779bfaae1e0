"""Template filters for curation history."""

from django import template

from profiles.history import describe_event

register = template.Library()


@register.filter
def in_words(event) -> str:
    """A CurationEvent in words: "moved 3 works to x-li--2"."""
    return describe_event(event)
