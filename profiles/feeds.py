"""The Atom feeds, both built on Django's syndication framework with one base for the text:
an author record's works (/authors/<slug>/feed/) and the private feed of the works of the
records a user follows (/following/feed/<key>/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from profiles.selectors import following_feed_user_id
from publications.models import Author, Work
from publications.selectors import author_get, author_works_for_feed, followed_works_page

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


class WorksFeed(Feed):
    """A feed of works: title, abstract as plain text, the work's page, its dates and the
    printed names of its listed authors. Subclasses choose the works and the feed's own text."""

    feed_type = TextAtomFeed
    summary_limit: int | None = None  # characters of the abstract kept, None: all of it

    @staticmethod
    def listed_names(work: WorkWithListedAuthors) -> list[str]:
        return [a.printed_name for a in work.listed_authorships]

    def item_title(self, work: Work) -> str:
        return work.title

    def item_description(self, work: Work) -> str:
        return work.abstract[: self.summary_limit]

    def item_link(self, work: Work) -> str:
        return work.get_absolute_url()

    def item_pubdate(self, work: Work):
        return work.first_submitted

    def item_updateddate(self, work: Work):
        return work.latest_version_date or work.first_submitted


class AuthorWorksFeed(WorksFeed):
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

    def item_guid(self, work: Work) -> str:
        return f"arxiv:{work.arxiv_id}"

    def item_author_name(self, work: WorkWithListedAuthors) -> str:
        names = self.listed_names(work)
        if work.unlisted_authors_count:
            names.append(f"and {work.unlisted_authors_count} more")
        return ", ".join(names)

    def item_categories(self, work: Work) -> list[str]:
        return [work.primary_topic.code] if work.primary_topic else []


@dataclass(frozen=True, slots=True)
class FeedReader:
    """Whose following feed is read: the secret key in the URL stands in for the session feed
    readers do not have."""

    user_id: int


class FollowingWorksFeed(WorksFeed):
    """The newest works of the author records a user follows (50, abstracts cut at 1,000
    characters)."""

    title = "BZPEER: new works from researchers you follow"
    description = "Newest works of the author records you follow."
    summary_limit = 1000

    def get_object(self, request: HttpRequest, token: str) -> FeedReader:
        user_id = following_feed_user_id(key=token)
        if user_id is None:
            raise Http404("Unknown feed.")
        return FeedReader(user_id=user_id)

    def link(self) -> str:
        return reverse("profiles:following")

    def items(self, reader: FeedReader):
        return followed_works_page(user_id=reader.user_id, page=1, per_page=50)

    def item_guid(self, work: Work) -> str:
        return f"arXiv:{work.arxiv_id}"

    def item_author_name(self, work: WorkWithListedAuthors) -> str:
        authors = ", ".join(self.listed_names(work))
        if work.unlisted_authors_count:
            authors += f" and {work.unlisted_authors_count} more"
        return authors[:500]
