"""detect_format on the real fixture files, plain and gzip-compressed."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from publications.arxiv.detect import detect_format

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv"


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("atom/query.old-api-2025-08.xml", "atom"),
        ("atom/query.new-api-2025-11-11.xml", "atom"),  # namespaces declared on <feed>
        ("atom/api-error.user-manual.xml", "atom"),
        ("oai/arXivRaw/ListRecordsResponse.xml", "oai"),
        ("oai/arXivRaw/ErrorResponseBadVerb.xml", "oai"),  # no XML declaration
        ("oai/arXiv/arxiv-single.xml", "oai"),
        ("abs-current-30.jsonl", "jsonl"),
    ],
)
def test_plain_and_gzipped_files(relative: str, expected: str, tmp_path: Path) -> None:
    source = DATA / relative
    assert detect_format(source) == expected
    # A misleading name does not matter: the content decides.
    compressed = tmp_path / "download.bin"
    compressed.write_bytes(gzip.compress(source.read_bytes()))
    assert detect_format(compressed) == expected


def test_truncated_gzip_is_still_recognised(tmp_path: Path) -> None:
    data = gzip.compress((DATA / "abs-older-versions.jsonl").read_bytes())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 3])
    assert detect_format(path) == "jsonl"


def test_unknown_content_raises_a_clear_error(tmp_path: Path) -> None:
    html = tmp_path / "page.xml"
    html.write_text("<!DOCTYPE html>\n<html><body>Service unavailable</body></html>\n")
    with pytest.raises(ValueError, match=r"document element is <html>"):
        detect_format(html)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        detect_format(empty)
    csv = tmp_path / "listing.csv"
    shutil.copy(DATA / "abs-older-versions.jsonl", csv)
    csv.write_text("id,title\n" + csv.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"not arXiv metadata .* it starts 'id,title"):
        detect_format(csv)
