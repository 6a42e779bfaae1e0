"""manage.py identity_report on a real labelled sample, and its errors."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

DATA = Path(__file__).resolve().parent.parent / "data" / "identity"


def test_report_prints_both_results():
    out = StringIO()
    call_command("identity_report", str(DATA / "gold-sample.tsv"),
                 str(DATA / "records-sample.jsonl"), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "name keys" in text and "engine clusters" in text
    assert "joined by resolve_identities" in text
    assert "labelled authorships 67, people 12" in text
    # Name keys split Guang-Wei Wang's printings; B-cubed recall below 1 there.
    assert "B-cubed   precision 1.000  recall 0.803" in text


def test_bad_labels_file_is_a_clear_error(tmp_path):
    labels = tmp_path / "labels.tsv"
    labels.write_text("not a header\n")
    with pytest.raises(CommandError, match="header"):
        call_command("identity_report", str(labels), str(DATA / "records-sample.jsonl"))
    with pytest.raises(CommandError):
        call_command("identity_report", str(DATA / "gold-sample.tsv"), str(tmp_path / "none"))
