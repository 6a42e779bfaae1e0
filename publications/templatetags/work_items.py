"""A work as lists of works show it (home, topic, search results, a profile's works, related
works): templates/publications/_work_item.html.

Written in Python rather than as template markup: a results page of twenty works spent about
0.2 ms of template engine on each row (a score of variable lookups and four date filters), as
much as the rest of the page. The output is the same markup the template printed.
"""

from __future__ import annotations

from html import escape  # Django's escape() without its lazy-string wrapper (plain strings)

from django import template
from django.template.defaultfilters import urlencode
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

from publications.templatetags.author_lines import listed_names

register = template.Library()

_PROVENANCE = {
    "claim": '<p class="provenance">Attached to this record by its owner (author claim), not by '
    "the arXiv import</p>",
    "curator": '<p class="provenance">Attached to this record by a curator, not by the arXiv '
    "import</p>",
}


def _day(value) -> str:
    """`{{ value|date:"j M Y" }}` of a datetime (in the current time zone), without the format
    parser: "7 Dec 2026"."""
    if value is None:
        return ""
    local = template_localtime(value)
    return f"{local.day} {MONTHS_3[local.month].title()} {local.year:04d}"


@register.simple_tag(takes_context=True)
def work_item(context, work) -> SafeString:
    """The `<li>` of `work`; the context may hold `from_author` (the slug of the record whose list
    this is: links to works with long author lists carry it) and `show_abstract`. The work may
    carry `attached_by`, which only the lists of one record's works annotate."""
    topic = work.primary_topic
    venue = "arXiv"
    if topic:
        venue += f' <a href="{escape(topic.get_absolute_url())}">{escape(topic.code)}</a>'
    if work.journal_ref:
        venue += f" · {escape(work.journal_ref)}"
    revised = ""
    if work.is_revised:
        latest = work.latest_version_date
        revised = (
            f' · <span class="work-revised">latest version v{work.version_count}, '
            f'<time datetime="{escape(template_localtime(latest).isoformat())}">'
            f"{escape(_day(latest))}"
            "</time></span>"
        )
    submitted = work.first_submitted
    from_author = context.get("from_author")
    link = escape(work.get_absolute_url())
    if from_author and work.has_long_author_list:
        link += f"?author={escape(urlencode(from_author))}"
    abstract = ""
    if context.get("show_abstract") and work.abstract:
        abstract = (
            '<div class="abstract tex">'
            + "".join(f"<p>{escape(p)}</p>" for p in work.abstract_paragraph_list)
            + "</div>"
        )
    return mark_safe(
        '<li class="work-item">\n'
        f'  <p class="meta"><span class="work-type">{escape(str(work.work_type))}</span> · '
        f'<span class="work-year" title="First submitted {escape(_day(submitted))}">'
        f"{'' if submitted is None else f'{template_localtime(submitted).year:04d}'}</span> · "
        f'<span class="venue">{venue}</span>{revised}</p>\n'
        f"  {_PROVENANCE.get(getattr(work, 'attached_by', ''), '')}\n"
        f'  <h3 class="work-title tex"><a href="{link}">{escape(work.title)}</a></h3>\n'
        f'  <p class="authors">{listed_names(work)}</p>\n'
        f"  {abstract}\n"
        "</li>"
    )
