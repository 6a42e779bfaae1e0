"""The author lines of a work page and of its full author list.

Written in Python rather than as a template loop: a collaboration paper's full list prints
thousands of lines, and the template engine spent about 0.25 ms on each.
"""

from __future__ import annotations

from html import escape as html_escape  # Django's escape() without its lazy-string wrapper

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from publications.models import author_url

register = template.Library()

CONTEXT_MARK = ' class="context" aria-current="true"'


_ATTACHED_BY = {"claim": "attached by the owner's claim", "curator": "attached by a curator"}


@register.simple_tag
def author_lines(authors, all_url: str = "") -> SafeString:
    """`<li>` items for an AuthorList: each name links to its author record, with its affiliation
    number; the visitor's own record is marked; where lines are left out, one item says how many
    and links `all_url` (the full list) at the first line left out."""
    parts: list[str] = []
    lines = authors.lines
    for index, line in enumerate(lines):
        position = line.position
        mark = CONTEXT_MARK if position == authors.context_position else ""
        parts.append(
            f'<li value="{position}" id="author-{position}"{mark}>'
            # A record its owner hid: the printed name stays, unlinked.
            + (
                f'<span class="unlinked">{escape(line.printed_name)}</span>'
                if getattr(line, "author_hidden", False)
                else f'<a href="{escape(author_url(line.author_slug))}">{escape(line.printed_name)}</a>'
            )
        )
        attached = _ATTACHED_BY.get(getattr(line, "source", "arxiv"))
        if attached:  # not the import: the profile's owner or a curator put the name there
            parts.append(f' <span class="provenance">({attached})</span>')
        number = getattr(line, "affiliation_number", None)
        if number:
            parts.append(
                f'<sup><a href="#affiliation-{number}" aria-label="affiliation {number}">'
                f"{number}</a></sup>"
            )
        parts.append("</li>")
        following = lines[index + 1].position if index + 1 < len(lines) else authors.total + 1
        left_out = following - position - 1
        if left_out > 0:
            where = f"{escape(all_url)}#author-{position + 1}" if all_url else ""
            text = f"… {left_out:,} more author{'s' if left_out != 1 else ''}"
            parts.append(
                f'<li class="left-out"><a href="{where}">{text}</a></li>'
                if where
                else f'<li class="left-out">{text}</li>'
            )
    return mark_safe("".join(parts))


@register.filter
def listed_names(work) -> SafeString:
    """The names line of a work in a list (its `listed_authorships`, then "and N more"), as
    templates/publications/_work_item.html printed it with a template loop, which took about a
    third of a results page's rendering. A name whose record its owner hid stays unlinked."""
    parts = [
        f'<a href="{html_escape(url)}">{html_escape(name.printed_name)}</a>'
        if (url := name.author_url)
        else f'<span class="unlinked">{html_escape(name.printed_name)}</span>'
        for name in getattr(work, "listed_authorships", ())
    ]
    more = work.unlisted_authors_count
    return mark_safe(", ".join(parts) + (f" and {more} more" if more else ""))
