"""What `manage.py import_arxiv` prints on a terminal: a progress bar sized by the file's records
(on standard error, only when it is a terminal) and no stray "No hostname was supplied" line."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from publications.management.commands.import_arxiv import _count_records
from tests.conftest import ARXIV

ROOT = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_a_terminal_gets_a_progress_bar_sized_by_the_records(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("COLUMNS", "100")
    out = io.StringIO()
    call_command(
        "import_arxiv", str(ARXIV / "abs-current-30.jsonl"), "--batch-size", "10", stdout=out
    )
    bar = terminal.getvalue()
    assert "abs-current-30.jsonl" in bar and "100%" in bar and "30/30" in bar
    assert "30 seen" in out.getvalue()


@pytest.mark.django_db
def test_no_bar_when_not_a_terminal_or_when_asked(monkeypatch):
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    call_command("import_arxiv", str(ARXIV / "abs-current-30.jsonl"), stdout=io.StringIO())
    assert "%" not in piped.getvalue()
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    call_command(
        "import_arxiv", str(ARXIV / "abs-current-30.jsonl"), "--no-progress", stdout=io.StringIO()
    )
    assert terminal.getvalue() == ""


def test_records_are_counted_in_every_format(tmp_path):
    jsonl = ARXIV / "abs-current-30.jsonl"
    assert _count_records(jsonl) == 30
    packed = tmp_path / "snapshot.jsonl.gz"
    packed.write_bytes(gzip.compress(jsonl.read_bytes()))
    assert _count_records(packed) == 30
    oai = ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml"
    assert _count_records(oai) == oai.read_bytes().count(b"<record>") > 0
    atom = next((ARXIV / "atom").glob("query.*.xml"))
    assert _count_records(atom) == atom.read_bytes().count(b"<entry>") > 0
    junk = tmp_path / "notes.txt"
    junk.write_text("not arXiv")
    assert _count_records(junk) is None


def test_inline_tasks_print_no_hostname_warning():
    """Without REDIS_URL tasks run inline, through kombu's in-memory transport: it used to log
    "No hostname was supplied. Reverting to default 'localhost'" on the first task of a command."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    code = (
        "import django; django.setup()\n"
        "from bzpeer.celery import app\n"
        "assert app.conf.task_always_eager\n"
        "with app.producer_or_acquire() as producer: pass\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bzpeer.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert "No hostname" not in done.stderr + done.stdout
