"""Versioned and differently cased ids answer 301 to the canonical page, never 404."""

from __future__ import annotations

import pytest

from publications.selectors import canonical_arxiv_id
from tests.factories import AuthorFactory, TopicFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/works/0704.0866v2/", "/works/0704.0866/"),
        ("/works/0704.0866V1/", "/works/0704.0866/"),
        ("/works/hep-th/9901001v3/", "/works/hep-th/9901001/"),
        ("/works/HEP-TH/9901001/", "/works/hep-th/9901001/"),
        ("/works/math.ag/0101001/", "/works/math.AG/0101001/"),
        ("/topics/ASTRO-PH/", "/topics/astro-ph/"),
        ("/topics/Astro-Ph.ga/?page=2", "/topics/astro-ph.GA/?page=2"),
        ("/authors/I-GRABEC/", "/authors/i-grabec/"),
        ("/authors/I-Grabec/?page=2", "/authors/i-grabec/?page=2"),
    ],
)
def test_other_spellings_redirect_to_the_canonical_page(client, path, target):
    for arxiv_id in ("0704.0866", "hep-th/9901001", "math.AG/0101001"):
        WorkFactory(arxiv_id=arxiv_id)
    TopicFactory(code="astro-ph", name="Astrophysics", archive="astro-ph")
    TopicFactory(code="astro-ph.GA")
    AuthorFactory(display_name="I. Grabec")
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_unknown_ids_still_answer_404(client):
    AuthorFactory(display_name="I. Grabec")
    assert client.get("/authors/NO-ONE/").status_code == 404
    assert client.get("/topics/NOPE/").status_code == 404
    assert client.get("/works/0704.9999/").status_code == 404


def test_canonical_arxiv_id():
    assert canonical_arxiv_id("0704.0866") == "0704.0866"
    assert canonical_arxiv_id("Astro-PH/9204001") == "astro-ph/9204001"
    assert canonical_arxiv_id("cond-mat.STR-EL/0001001") == "cond-mat.STR-EL/0001001"
