"""The Atom feeds: an author record's works (/authors/<slug>/feed/) and, through TextAtomFeed,
the private feed of followed records' works (profiles.actions.following_feed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed

from profiles.selectors import author_get
from publications.models import Author, Work
from publications.selectors import author_works_for_feed

if TYPE_CHECKING:
    from publications.models import WorkWithListedAuthors


class TextAtomFeed(Atom1Feed):
    """Atom with plain-text summaries. Summaries are arXiv abstracts: as ``type="html"`` a feed
    reader would render whatever markup an abstract holds (a ``<script>`` included); as
    ``type="text"`` it shows the characters as written."""

    def add_item_elements(self, handler, item):
        summary = item.get("description")
        super().add_item_elements(handler, {**item, "description": None})
        if summary:
            handler.addQuickElement("summary", summary, {"type": "text"})


class AuthorWorksFeed(Feed):
    feed_type = TextAtomFeed

    def get_object(self, request: HttpRequest, slug: str) -> Author:
        author = author_get(slug=slug)
        author = author.merged_into or author
        if author.hidden:
            raise Http404("Its owner hid this author record.")
        return author

    def title(self, author: Author) -> str:
        return f"{author.display_name}: works on BZPEER"

    def link(self, author: Author) -> str:
        return author.get_absolute_url()

    def subtitle(self, author: Author) -> str:
        return f"New and revised arXiv works of the author record {author.display_name}."

    def items(self, author: Author) -> list[Work]:
        return author_works_for_feed(author_id=author.pk)

    def item_title(self, work: Work) -> str:
        return work.title

    def item_description(self, work: Work) -> str:
        return work.abstract

    def item_link(self, work: Work) -> str:
        return work.get_absolute_url()

    def item_guid(self, work: Work) -> str:
        return f"arxiv:{work.arxiv_id}"

    def item_pubdate(self, work: Work):
        return work.first_submitted

    def item_updateddate(self, work: Work):
        return work.latest_version_date or work.first_submitted

    def item_author_name(self, work: WorkWithListedAuthors) -> str:
        names = [a.printed_name for a in work.listed_authorships]
        if work.unlisted_authors_count:
            names.append(f"and {work.unlisted_authors_count} more")
        return ", ".join(names)

    def item_categories(self, work: Work) -> list[str]:
        return [work.primary_topic.code] if work.primary_topic else []
