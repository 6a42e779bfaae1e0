"""Pages for signed-in visitors from the anonymous page cache (bzpeer/page_cache.py).

A cached anonymous page marks the parts that depend on the visitor between
``<!--visitor:NAME-->`` and ``<!--/visitor:NAME-->``: the account links of the site header
(``account``, in every page) and, on a profile, the follow, claim and invitation cards
(``profile-actions``). A signed-in visitor gets the stored anonymous page with each marked part
rendered for them (their name, a CSRF token of their session, their follow and claim state), so
the page costs the session, the user and whatever those parts read, instead of a whole render.

Anything the markers do not enclose is the same for every visitor by construction: the views
store a page only when it was rendered for an anonymous visitor with no flash message. A page
whose markers are missing or doubled is never spliced (:func:`splice` answers None and the view
renders the page in full); text the site shows is escaped, so no record can forge a marker.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

T = TypeVar("T")


def _marks(name: str) -> tuple[bytes, bytes]:
    return f"<!--visitor:{name}-->".encode(), f"<!--/visitor:{name}-->".encode()


def splice(content: bytes, parts: Mapping[str, str]) -> bytes | None:
    """The page with each named part replaced; None if a part is not marked exactly once."""
    for name, html in parts.items():
        start, end = _marks(name)
        i = content.find(start)
        j = content.find(end, i + len(start)) if i >= 0 else -1
        if j < 0 or content.find(start, i + 1) >= 0 or content.find(end, j + 1) >= 0:
            return None
        content = content[: i + len(start)] + html.encode() + content[j:]
    return content


def shareable(request: HttpRequest, params: Collection[str]) -> bool:
    """A GET with only the page's own parameters and no flash message to show: the page is the
    anonymous one but for its marked parts."""
    return (
        request.method == "GET"
        and set(request.GET) <= set(params)
        and not len(messages.get_messages(request))
    )


def for_visitor(
    request: HttpRequest, content: bytes, parts: Mapping[str, str] | None = None
) -> HttpResponse | None:
    """The stored anonymous page for this signed-in visitor: their header account links and the
    given parts. None when the page cannot be spliced (render it in full)."""
    account = render_to_string("_account_links.html", request=request)
    body = splice(content, {"account": account, **(parts or {})})
    return None if body is None else HttpResponse(body)


def as_anonymous(request: HttpRequest, render: Callable[[], T]) -> T:
    """Run `render` as an anonymous visitor would see the page (the copy stored for everybody)."""
    user = request.user
    request.user = AnonymousUser()
    try:
        return render()
    finally:
        request.user = user
