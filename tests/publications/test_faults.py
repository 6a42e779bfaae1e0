"""Harvests and imports under faults: a local arXiv (tests/fakearxiv.py) injecting each fault,
records the database refuses, merges and parallel imports racing an import, killed imports."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections

from publications import harvest
from publications.arxiv.clients import (
    SHARED_PACER,
    ArxivHttpClient,
    ArxivUnavailable,
    RedisPacer,
    RequestPacer,
)
from publications.curation import merge_authors
from publications.loader import Loader
from publications.models import Author, Authorship, ImportRun, Work
from publications.services import import_path
from tests.conftest import ARXIV, SHARED_ARXIV
from tests.factories import AuthorFactory, CuratorFactory
from tests.fakearxiv import FakeArxiv, arxiv_id, fixture_records

ROOT = Path(__file__).resolve().parents[2]
UA = "BZPEER-tests/1.0 (mailto:tests@bzpeer.example)"
ALL_IDS = sorted(arxiv_id(r) for r in fixture_records())
LAST_DATESTAMP = dt.date(2014, 12, 22)


def client(**options) -> ArxivHttpClient:
    options.setdefault("min_interval", 0)
    options.setdefault("backoff", 0.01)
    options.setdefault("timeout", 1.0)
    options.setdefault("max_retries", 3)
    return ArxivHttpClient(UA, pacer=RequestPacer(), **options)


def harvest_from(fake: FakeArxiv, **options):
    return harvest.harvest_oai(set_spec="physics", client=client(**options), base_url=fake.url)


def stored_ids() -> list[str]:
    return sorted(Work.objects.values_list("arxiv_id", flat=True))


def refuse(arxiv_id: str) -> None:
    """The database refuses one record (a real error raised by PostgreSQL, inside COPY too)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION bz_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.arxiv_id = '{arxiv_id}' THEN
                    RAISE EXCEPTION 'test: record % refused', NEW.arxiv_id;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER bz_test_refuse BEFORE INSERT ON publications_work
                FOR EACH ROW EXECUTE FUNCTION bz_test_refuse();
            """
        )


def allow() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER bz_test_refuse ON publications_work")


# -- a record the database refuses --------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_record_keeps_the_window_and_the_next_harvest_brings_it_in():
    refuse("0704.0716")
    with FakeArxiv() as fake:
        first = harvest_from(fake)
        assert first.status == ImportRun.Status.FINISHED
        assert first.records_failed == 1
        assert any(e["arxiv_id"] == "0704.0716" for e in first.errors)
        assert first.watermark == ""
        assert first.window_end == LAST_DATESTAMP.isoformat()
        assert harvest.last_oai_watermark(set_spec="physics") is None

        allow()
        second = harvest_from(fake)

    assert second.records_failed == 0
    assert "0704.0716" in stored_ids()
    assert stored_ids() == ALL_IDS
    assert harvest.last_oai_watermark(set_spec="physics") == LAST_DATESTAMP


@pytest.mark.django_db
def test_a_curator_acknowledges_a_refused_record_and_the_watermark_moves(client):
    refuse("0704.0716")
    with FakeArxiv() as fake:
        run = harvest_from(fake)
    assert harvest.last_oai_watermark(set_spec="physics") is None
    curator = CuratorFactory()
    client.force_login(curator)

    listing = client.get("/admin/publications/importrun/?failures=waiting")
    assert "window kept until acknowledged" in listing.content.decode()
    client.post(
        "/admin/publications/importrun/",
        {"action": "acknowledge_failures", "_selected_action": [run.pk]},
    )

    run.refresh_from_db()
    assert run.failures_acknowledged_by == curator
    assert harvest.last_oai_watermark(set_spec="physics") == LAST_DATESTAMP


@pytest.mark.django_db
def test_only_curators_acknowledge_refused_records(client):
    from tests.factories import UserFactory

    refuse("0704.0716")
    with FakeArxiv() as fake:
        run = harvest_from(fake)
    client.force_login(UserFactory(is_staff=True))
    client.post(
        "/admin/publications/importrun/",
        {"action": "acknowledge_failures", "_selected_action": [run.pk]},
    )
    run.refresh_from_db()
    assert run.failures_acknowledged_at is None
    assert harvest.last_oai_watermark(set_spec="physics") is None


# -- cut-off and truncated responses are temporary ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["cut", "truncated", "reset", ("status", 503, 0), "timeout"])
def test_a_temporary_fault_on_a_page_is_retried_and_every_record_arrives(fault):
    with FakeArxiv(hang=2.0) as fake:
        fake.inject(None, fault)  # the second page's first answer
        run = harvest_from(fake)
        faults = [s.fault for s in fake.served]

    assert fault in faults
    assert run.status == ImportRun.Status.FINISHED
    assert stored_ids() == ALL_IDS
    assert run.watermark == LAST_DATESTAMP.isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["cut", "truncated"])
def test_records_read_before_a_page_that_stays_broken_stay_imported(fault):
    with FakeArxiv() as fake:
        fake.inject(None, *[fault] * 4)  # page 2 fails on every try
        with pytest.raises(ArxivUnavailable):
            harvest_from(fake, max_retries=3)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.watermark == ""
    assert stored_ids() == sorted(ALL_IDS[:0] + [arxiv_id(r) for r in fixture_records()[:2]])


# -- deadlines and long Retry-After ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_trickling_response_is_cut_off_at_the_deadline_and_retried():
    with FakeArxiv() as fake:
        fake.inject(("trickle", 0.05))
        run = harvest_from(fake, deadline=0.5)
        assert len(fake.served) == fake.pages() + 1
        assert fake.served[0].fault == ("trickle", 0.05)

    assert run.status == ImportRun.Status.FINISHED
    assert stored_ids() == ALL_IDS


def test_a_long_retry_after_is_not_slept_but_handed_to_the_task():
    slept: list[float] = []
    with FakeArxiv() as fake:
        fake.inject(("status", 429, 3600))
        c = ArxivHttpClient(UA, min_interval=0, pacer=RequestPacer(), sleep=slept.append)
        with pytest.raises(ArxivUnavailable) as excinfo:
            c.get(fake.url, {"verb": "ListRecords", "metadataPrefix": "arXivRaw"})
        assert len(fake.served) == 1

    assert excinfo.value.retry_after == 600  # capped
    assert all(s <= c.max_wait for s in slept)


@pytest.mark.django_db
def test_the_harvest_task_reschedules_itself_after_a_long_retry_after(settings, monkeypatch):
    from publications.tasks import harvest_set

    class Rescheduled(Exception):
        pass

    asked: dict = {}

    def fake_retry(exc=None, countdown=None, **kwargs):
        asked.update(exc=exc, countdown=countdown)
        return Rescheduled()

    monkeypatch.setattr(harvest_set, "retry", fake_retry)
    settings.ARXIV_MIN_INTERVAL = 0
    with FakeArxiv() as fake:
        settings.ARXIV_OAI_URL = fake.url
        fake.inject(("status", 503, 3600))
        with pytest.raises(Rescheduled):
            harvest_set.apply(args=["physics"], throw=True)
        assert len(fake.served) == 1

    assert asked["countdown"] == 600
    assert isinstance(asked["exc"], ArxivUnavailable)
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


# -- pacing shared through Redis ------------------------------------------------------------------

PACED = """
import sys, redis
from publications.arxiv.clients import ArxivHttpClient, RedisPacer
pacer = RedisPacer(redis.Redis.from_url(sys.argv[2]), key="bzpeer:test:pacing")
c = ArxivHttpClient("BZPEER-tests/1.0 (mailto:t@e.x)", min_interval=float(sys.argv[3]), pacer=pacer)
for _ in range(int(sys.argv[4])):
    c.get(sys.argv[1], {"verb": "ListRecords", "metadataPrefix": "arXivRaw"})
"""


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("no REDIS_URL")
    return url


def test_pacing_holds_across_two_processes_and_a_restart():
    import redis

    url = _redis_url()
    redis.Redis.from_url(url).delete("bzpeer:test:pacing")
    interval = 1.0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with FakeArxiv() as fake:
        # Two harvesters at once...
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", PACED, fake.url, url, str(interval), "2"], env=env
            )
            for _ in range(2)
        ]
        for p in procs:
            assert p.wait(timeout=60) == 0
        # ...then a "restarted worker": a new process right after the last one's request.
        subprocess.run(
            [sys.executable, "-c", PACED, fake.url, url, str(interval), "1"],
            env=env,
            check=True,
            timeout=60,
        )
        times = [s.at for s in fake.served]

    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= interval * 0.9, gaps


def test_the_harvest_paces_through_redis_when_configured_and_in_process_without(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/4"
    harvest._redis_pacer = None
    assert isinstance(harvest.default_client().pacer, RedisPacer)
    settings.REDIS_URL = ""
    assert harvest.default_client().pacer is SHARED_PACER
    harvest._redis_pacer = None


# -- a database error inside COPY -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_row_refused_inside_copy_is_reported_and_the_others_are_imported():
    refuse("0704.0716")
    path = ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml"
    run = import_path(path)

    assert run.status == ImportRun.Status.FINISHED
    assert (run.records_created, run.records_failed) == (5, 1)
    assert [e["arxiv_id"] for e in run.errors] == ["0704.0716"]
    assert "database refused the record" in run.errors[0]["reason"]
    assert "0704.0716" not in stored_ids()


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_in_parallel_both_finish(monkeypatch):
    path = ARXIV / "abs-current-30.jsonl"
    other_done = threading.Event()
    original = Loader._existing_works
    first_call = threading.Event()

    def racing_existing_works(self, cursor, ids):
        found = original(self, cursor, ids)
        if threading.current_thread().name == "slow" and not first_call.is_set():
            first_call.set()
            assert other_done.wait(60)  # the other import commits the same works meanwhile
        return found

    monkeypatch.setattr(Loader, "_existing_works", racing_existing_works)
    runs: dict[str, ImportRun] = {}
    errors: list[BaseException] = []

    def run_import(name: str) -> None:
        try:
            if name == "fast":
                assert first_call.wait(60)
            runs[name] = import_path(path)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            if name == "fast":
                other_done.set()
            connections.close_all()

    threads = [threading.Thread(target=run_import, args=(n,), name=n) for n in ("slow", "fast")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert errors == []
    assert runs["fast"].status == runs["slow"].status == ImportRun.Status.FINISHED
    assert runs["fast"].records_created == 30
    assert runs["slow"].records_created == 0
    assert runs["slow"].records_unchanged == 30
    assert runs["slow"].records_failed == 0
    assert Work.objects.count() == 30


# -- a curator merge during an import -------------------------------------------------------------

NAME = "Francisco Najarro"


@pytest.mark.django_db(transaction=True)
def test_a_merge_committed_during_an_import_receives_the_rest_of_the_works():
    path = ARXIV / "graph-herrero-najarro.jsonl"
    curator = CuratorFactory()
    kept = AuthorFactory(display_name="F. Najarro (kept)")
    merged: list[int] = []

    def merge_after_first_batch(_n: int) -> None:
        if merged:
            return
        record = Author.objects.filter(authorships__printed_name=NAME).distinct().first()
        if record is None:
            return
        merge_authors(kept_id=kept.pk, merged_ids=[record.pk], actor=curator)
        merged.append(record.pk)

    import_path(path, batch_size=1, progress=merge_after_first_batch)

    assert merged
    works = Authorship.objects.filter(printed_name=NAME)
    assert works.count() > 2
    assert set(works.values_list("author_id", flat=True)) == {kept.pk}
    assert not Authorship.objects.filter(author_id=merged[0]).exists()


@pytest.mark.django_db
def test_the_database_refuses_new_authorships_on_a_merged_record():
    from tests.factories import WorkFactory

    kept, gone = AuthorFactory(), AuthorFactory()
    Author.objects.filter(pk=gone.pk).update(merged_into=kept)
    work = WorkFactory()
    with pytest.raises(IntegrityError, match="merged"):
        Authorship.objects.create(work=work, position=1, author=gone, printed_name="X")


@pytest.mark.django_db
def test_the_next_import_moves_authorships_left_on_a_merged_record():
    path = ARXIV / "graph-herrero-najarro.jsonl"
    import_path(path)
    record = Author.objects.filter(authorships__printed_name=NAME).distinct().get()
    kept = AuthorFactory()
    # What an import racing a merge used to leave: the record merged, its authorships behind.
    Author.objects.filter(pk=record.pk).update(merged_into=kept)

    run = import_path(path)

    assert run.records_created == 0
    assert set(
        Authorship.objects.filter(printed_name=NAME).values_list("author_id", flat=True)
    ) == {kept.pk}
    assert {record.pk, kept.pk} <= run.touched_author_ids


# -- killed imports -------------------------------------------------------------------------------


def _subprocess_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "BZPEER_SCORES_ON_CHANGE": "0",
    }


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_is_marked_interrupted_with_what_it_committed():
    big = SHARED_ARXIV / "snapshot" / "abs-current.jsonl"
    if not big.exists():
        pytest.skip("needs ../shared/data/arxiv")
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "import_arxiv",
            str(big),
            "--batch-size",
            "5",
            "--no-progress",
        ],
        cwd=ROOT,
        env=_subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not ImportRun.objects.filter(records_created__gte=50).exists():
            assert proc.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    killed = ImportRun.objects.get()
    assert killed.status == ImportRun.Status.RUNNING

    from io import StringIO

    err = StringIO()
    call_command("import_arxiv", str(ARXIV / "abs-0704.0005.jsonl"), "--no-progress", stderr=err)

    killed.refresh_from_db()
    assert killed.status == ImportRun.Status.INTERRUPTED
    assert killed.finished_at is not None
    committed = Work.objects.exclude(arxiv_id="0704.0005").count()
    assert killed.records_created == committed
    assert f"import run {killed.pk}" in err.getvalue()
    assert "interrupted" in err.getvalue()
    assert f"{committed} created" in err.getvalue()


@pytest.mark.django_db
def test_a_silent_run_is_interrupted_after_the_stale_time_and_a_live_one_is_not(client):
    from django.utils import timezone

    from publications.services import mark_interrupted_runs

    old = timezone.now() - dt.timedelta(hours=2)
    silent = ImportRun.objects.create(source="snapshot", host="elsewhere", pid=1)
    ImportRun.objects.filter(pk=silent.pk).update(heartbeat_at=old, records_created=7)
    live = ImportRun.objects.create(
        source="snapshot", host="elsewhere", pid=1, heartbeat_at=timezone.now()
    )

    client.force_login(CuratorFactory())
    page = client.get("/admin/publications/importrun/", follow=True)

    assert f"Import run {silent.pk} (snapshot) was interrupted" in page.content.decode()
    silent.refresh_from_db()
    live.refresh_from_db()
    assert (silent.status, silent.records_created) == (ImportRun.Status.INTERRUPTED, 7)
    assert live.status == ImportRun.Status.RUNNING
    assert mark_interrupted_runs() == []  # safe to run twice


@pytest.mark.django_db
def test_harvest_oai_command_re_reads_a_window_by_hand(settings):
    from io import StringIO

    settings.ARXIV_MIN_INTERVAL = 0
    with FakeArxiv() as fake:
        settings.ARXIV_OAI_URL = fake.url
        out = StringIO()
        call_command(
            "harvest_oai",
            "--set",
            "physics",
            "--from",
            "2014-11-18",
            "--until",
            "2014-11-21",
            stdout=out,
        )
        assert fake.served[0].params["from"] == "2014-11-18"
        assert fake.served[0].params["until"] == "2014-11-21"
    assert "5 created" in out.getvalue()
    assert len(stored_ids()) == 5


@pytest.mark.django_db(transaction=True)
def test_a_merge_waits_for_the_import_batch_writing_at_that_moment(tmp_path, monkeypatch):
    lines = (ARXIV / "graph-herrero-najarro.jsonl").read_text().splitlines(keepends=True)
    first, rest = tmp_path / "first.jsonl", tmp_path / "rest.jsonl"
    first.write_text("".join(lines[:4]))
    rest.write_text("".join(lines[4:]))
    import_path(first)
    record = Author.objects.filter(authorships__printed_name=NAME).distinct().get()
    kept = AuthorFactory()
    curator = CuratorFactory()
    merge_done = threading.Event()
    errors: list[BaseException] = []

    def merge() -> None:
        try:
            merge_authors(kept_id=kept.pk, merged_ids=[record.pk], actor=curator)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            merge_done.set()
            connections.close_all()

    original = Loader._copy_authorships
    merger = threading.Thread(target=merge)

    def copy_while_a_curator_merges(self, cursor, records, work_ids, *, table):
        if not merger.is_alive() and not merge_done.is_set():
            # The batch has resolved its authors; a curator merges one of them now. The merge
            # must not commit before this batch does (it would miss the authorships below).
            merger.start()
            merge_done.wait(5)
        return original(self, cursor, records, work_ids, table=table)

    monkeypatch.setattr(Loader, "_copy_authorships", copy_while_a_curator_merges)
    run = import_path(rest, batch_size=1000)
    merger.join(60)

    assert errors == []
    assert run.records_failed == 0
    assert not Authorship.objects.filter(author_id=record.pk).exists()
    assert set(
        Authorship.objects.filter(printed_name=NAME).values_list("author_id", flat=True)
    ) == {kept.pk}
