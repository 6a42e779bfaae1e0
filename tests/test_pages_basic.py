"""The first profile and publication pages show what the import wrote."""

import pytest

from publications.services import import_path
from tests.conftest import ARXIV

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    import_path(ARXIV / "abs-current-30.jsonl")


def test_publication_page_shows_authors_in_order_and_versions(client, imported):
    response = client.get("/works/0704.0716/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Limit distributions and scaling functions" in html
    assert "Christoph Richard" in html
    assert html.count("<li>v") == 4


def test_old_style_ids_have_pages(client, imported):
    from publications.models import Work

    old = Work.objects.filter(arxiv_id__contains="/").first()
    assert old is not None
    assert client.get(f"/works/{old.arxiv_id}/").status_code == 200


def test_unknown_work_is_404(client, imported):
    assert client.get("/works/9999.99999/").status_code == 404


def test_profile_page_lists_the_authors_works(client, imported):
    response = client.get("/authors/christoph-richard/")
    assert response.status_code == 200
    assert "Limit distributions and scaling functions" in response.content.decode()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
