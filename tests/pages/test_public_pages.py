"""Publication, topic, home and search pages: what they show, escaping, and fixed query counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publications import selectors
from publications.models import Authorship, Work
from tests.factories import AuthorFactory, AuthorshipFactory, TopicFactory, WorkFactory

pytestmark = pytest.mark.django_db


def get(client, path: str, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, path
    return response.content.decode()


def queries(client, path: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_publication_page_shows_everything_arxiv_gives(client, imported):
    html = get(client, "/works/hep-th/9709111/")  # an old-style id
    assert "On the effective interactions of a light gravitino" in html
    names = ["Andrea Brignole", "Ferruccio Feruglio", "Fabio Zwirner"]
    assert [html.index(n) for n in names] == sorted(html.index(n) for n in names)
    assert 'href="/authors/andrea-brignole/"' in html
    assert "CERN-TH" in html and 'id="affiliation-1"' in html
    assert 'href="/topics/hep-th/"' in html and 'href="/topics/hep-ph/"' in html
    assert html.count("<li>v") == 3
    assert (
        "https://arxiv.org/abs/hep-th/9709111" in html
        and "https://arxiv.org/pdf/hep-th/9709111" in html
    )
    work = Work.objects.get(arxiv_id="hep-th/9709111")
    if work.journal_ref:
        assert work.journal_ref in html
    if work.doi:
        assert f"https://doi.org/{work.doi}" in html
    if work.comments:
        assert work.comments[:30] in html


def test_publication_page_related_works_share_authors(client):
    me, other = AuthorFactory(), AuthorFactory()
    work, related, unrelated = (
        WorkFactory(),
        WorkFactory(title="Shares an author"),
        WorkFactory(
            title="Same topic only",
            primary_topic=TopicFactory(code="hep-th", name="HEP theory", archive="hep-th"),
        ),
    )
    AuthorshipFactory(work=work, author=me)
    AuthorshipFactory(work=related, author=me)
    AuthorshipFactory(work=unrelated, author=other)
    html = get(client, f"/works/{work.arxiv_id}/")
    assert "Related works" in html and "Shares an author" in html
    assert "Same topic only" not in html


def test_arxiv_text_is_escaped_and_tex_is_left_for_katex(client):
    work = WorkFactory(
        title=r"$\gamma$-Cascade <script>alert(1)</script>",
        abstract="An <img src=x onerror=alert(1)> abstract with $x^2$.",
    )
    AuthorshipFactory(work=work, printed_name="<b>Eve</b>")
    html = get(client, f"/works/{work.arxiv_id}/")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<b>Eve</b>" not in html
    assert r'<h1 class="tex">$\gamma$-Cascade' in html
    assert "vendor/katex/katex.min.js" in html and "vendor/katex/contrib/auto-render.min.js" in html


def test_lists_of_works_escape_arxiv_text(client):
    """Lists of works (home, topic, a profile's works with abstracts) print each row in Python
    (publications/templatetags/work_items.py): every arXiv field is escaped there too."""
    topic = TopicFactory(code="astro-ph.GA", name="Galaxies", archive="astro-ph")
    work = WorkFactory(
        title="Halo <script>alert(1)</script>",
        abstract="An <img src=x onerror=alert(1)> abstract.",
        journal_ref='ApJ 1 "><svg onload=alert(1)>',
        primary_topic=topic,
    )
    author = AuthorFactory()
    AuthorshipFactory(work=work, author=author, printed_name="<b>Eve</b>")
    for path in ("/", f"/topics/{topic.code}/", author.get_absolute_url()):
        cache.clear()
        html = get(client, path)
        assert "Halo &lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<script>alert(1)" not in html and "<svg onload" not in html, path
        assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve</b>" not in html, path
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def make_work_with_authors(n: int) -> Work:
    work = WorkFactory(authors_count=n)
    authors = AuthorFactory.create_batch(n)
    Authorship.objects.bulk_create(
        Authorship(
            work=work,
            author=a,
            position=i,
            printed_name=a.display_name,
            printed_affiliation=f"Institute {i % 7}",
        )
        for i, a in enumerate(authors, 1)
    )
    other = WorkFactory()
    AuthorshipFactory(work=other, author=authors[0])
    return work


def test_publication_queries_do_not_grow_with_the_number_of_authors(
    client, django_assert_num_queries
):
    small, large = make_work_with_authors(2), make_work_with_authors(200)
    assert (
        queries(client, f"/works/{small.arxiv_id}/")
        == queries(client, f"/works/{large.arxiv_id}/")
        == 8
    )
    html = get(client, f"/works/{large.arxiv_id}/")
    assert html.count('id="affiliation-') == 7


def test_topic_page_lists_recent_works_and_prolific_records(client, imported):
    html = get(client, "/topics/hep-th/")
    assert "High Energy Physics - Theory" in html
    newest = Work.objects.filter(primary_topic__code="hep-th").order_by("-first_submitted").first()
    assert newest.title[:40] in html
    assert "Most prolific author records" in html and "Yosuke Imamura" in html
    assert client.get("/topics/no-such.XX/").status_code == 404


def test_topic_queries_do_not_grow(client):
    topic = TopicFactory()
    AuthorshipFactory(work=WorkFactory(primary_topic=topic))
    small = queries(client, f"/topics/{topic.code}/")
    for _ in range(40):
        AuthorshipFactory(work=WorkFactory(primary_topic=topic))
    assert queries(client, f"/topics/{topic.code}/") == small == 5


def test_home_has_search_recent_works_and_topics(client, imported):
    html = get(client, "/")
    assert 'role="search"' in html and 'name="q"' in html
    assert "Recent works" in html and 'href="/topics/hep-th/"' in html
    newest = Work.objects.order_by("-first_submitted").first()
    assert newest.get_absolute_url() in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Balazs", "C. Balázs"),  # accents folded
        ("c. balazs", "C. Balázs"),  # initials and punctuation
        ("Jakob Devlin", "Jacob Devlin"),  # a small typo
        ("macri", "Emanuele Macrì"),
        ("E. Macri", "Emanuele Macrì"),  # an initial for a first name
    ],
)
def test_search_finds_author_records_tolerantly(client, imported, query, expected):
    html = get(client, "/search/", q=query)
    section = html[html.index("Author records") :]
    assert expected in section


def test_search_finds_works_by_title_and_abstract_ranked(client, imported):
    html = get(client, "/search/", q="fractal groups")
    assert "From fractal groups to fractal sets" in html
    html = get(client, "/search/", q="bidirectional transformers language")
    assert "BERT" in html
    html = get(client, "/search/", q="zzzqqq")
    assert "No works match." in html and "No author records match." in html


def test_search_queries_do_not_grow(client):
    def add(n: int) -> None:
        for i in range(n):
            author = AuthorFactory(display_name=f"Ann Galaxy {n} {i}")
            AuthorshipFactory(work=WorkFactory(title="Galaxy survey"), author=author)

    add(2)
    small = queries(client, "/search/?q=galaxy")
    add(40)
    assert queries(client, "/search/?q=galaxy") == small == 3
    assert queries(client, "/search/?q=") == 0


def test_search_paginates_author_records(client):
    for i in range(12):
        AuthorFactory(display_name=f"Maria Rossi {chr(97 + i)}")
    first = get(client, "/search/", q="maria rossi")
    second = get(client, "/search/", q="maria rossi", apage=2)
    listed = lambda html: html[html.index("author-results") :].count("<li>")  # noqa: E731
    assert listed(first) == 10 and "apage=2" in first
    assert listed(second) == 2 and "apage=1" in second


def test_home_queries_do_not_grow(client):
    AuthorshipFactory(work=WorkFactory())
    small = queries(client, "/")
    for _ in range(40):
        AuthorshipFactory(work=WorkFactory())
    assert queries(client, "/") == small == 3


def test_many_words_that_many_works_contain_are_not_read_as_a_name(client):
    for i in range(20):
        WorkFactory(title=f"Dark matter halo profiles {i}")
    AuthorFactory(display_name="Mark Matterhalo")  # shares letters with the words
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        html = get(client, "/search/", q="dark matter halo")
    assert len(ctx.captured_queries) == 2  # the works and their first authors: no name match
    assert "Dark matter halo profiles" in html and "read as a topic, not a name" in html
    # Fewer works, or fewer words: a name is looked for.
    AuthorFactory(display_name="Maria Clara Dark")
    assert "Maria Clara Dark" in get(client, "/search/", q="maria clara dark")
    assert "Mark Matterhalo" in get(client, "/search/", q="mark matterhalo")


@pytest.mark.parametrize("query", ["results", "model", "theory", "groups"])
def test_search_reads_the_rows_of_the_works_match(imported, query):
    """The search page reads its works with the SQL of works_matching written out: the same
    works in the same order with the same rank, count, topic and fields, page after page."""
    expected = list(
        selectors.works_matching(query=query).only(*selectors.WORK_ITEM_FIELDS).prefetch_related()
    )
    assert len(expected) >= 2  # a query matching one work would not test the order
    seen = []
    for number in range(1, len(expected) + 1):
        window = selectors.works_search(query=query, page=number, per_page=1)
        assert window.total == len(expected)
        seen += window.items
        assert window.has_next == (number < len(expected))
    fields = [*selectors.WORK_ITEM_FIELDS[:-1], "rank", "matches", "primary_topic_id"]

    def row(work: Work) -> list:
        topic = work.primary_topic and work.primary_topic.code
        names = [(n.printed_name, n.author_url) for n in work.listed_authorships]
        return [getattr(work, f) for f in fields] + [topic, names]

    selectors.attach_listed_names(expected)
    assert [row(w) for w in seen] == [row(w) for w in expected]
