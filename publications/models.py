"""Works as arXiv publishes them: one per arXiv id, with versions, topics and ordered authorships."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import JSONField, Q, Value
from django.urls import reverse

from profiles.models import SEARCH_GIN_PENDING_KB, Author, Institution, author_url

# A work page lists this many authors before "all N authors" (and the visitor's own record when
# it stands further down): a 3,000-member collaboration must not print 3,000 links on every view.
WORK_PAGE_FIRST_AUTHORS = 20


class Topic(models.Model):
    """An arXiv category such as ``cs.LG``."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    archive = models.CharField(max_length=40)
    group = models.CharField(max_length=100)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def get_absolute_url(self) -> str:
        # Without a URL resolver pass per call: the home page lists every topic.
        return _topic_url_pattern().replace("CODE", self.code, 1)


@lru_cache(maxsize=1)
def _topic_url_pattern() -> str:
    return reverse("publications:topic", kwargs={"code": "CODE"})


class WorkQuerySet(models.QuerySet["Work"]):
    def visible(self) -> WorkQuerySet:
        return self.filter(hidden=False)


class Work(models.Model):
    arxiv_id = models.CharField(max_length=40, unique=True)  # without version
    title = models.TextField()
    abstract = models.TextField(blank=True)
    comments = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.TextField(blank=True)
    report_no = models.TextField(blank=True)
    license = models.TextField(blank=True)
    submitter = models.TextField(blank=True)
    primary_topic = models.ForeignKey(
        Topic, null=True, on_delete=models.PROTECT, related_name="primary_works"
    )
    topics: models.ManyToManyField[Topic, WorkTopic] = models.ManyToManyField(
        Topic, through="WorkTopic", related_name="works"
    )
    first_submitted = models.DateTimeField(null=True, blank=True, help_text="Date of v1.")
    latest_version_date = models.DateTimeField(null=True, blank=True)
    version_count = models.PositiveSmallIntegerField(default=1)
    metadata_date = models.DateField(
        null=True, blank=True, help_text="When the source last changed this record's metadata."
    )
    authors_count = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)
    source = models.CharField(max_length=20, blank=True, help_text="Last import source.")
    # The text fields above are shown in Unicode (text-mode TeX converted at import); the fields
    # as typed on arXiv are kept here, only those the conversion changed: {"title": "...", ...}.
    tex_originals = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))
    # The title and abstract with accents folded when that differs from them ("" for most works):
    # a search typed without accents ("Monge-Ampere") finds "Monge-Ampère" through it.
    search_folded = models.TextField(blank=True, default="", db_default="")
    # When an import or a harvest last saw this work on arXiv, changed or not.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=32, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("abstract", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkQuerySet.as_manager()

    # Set by publications.selectors.work_get_with_first_authors, not a column: declared here for
    # the type checker only.
    ordered_authorships: list[Authorship]

    class Meta:
        indexes = [
            GinIndex(
                fields=["search_vector"],
                name="work_search_idx",
                gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
            ),
            # Partial: only the few works whose text has accents are in it.
            GinIndex(
                SearchVector("search_folded", config="english"),
                name="work_search_folded_idx",
                condition=~Q(search_folded=""),
                gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
            ),
            models.Index(fields=["-first_submitted"], name="work_first_submitted_idx"),
            models.Index(
                fields=["primary_topic", "-first_submitted"], name="work_topic_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("publications:work", kwargs={"arxiv_id": self.arxiv_id})

    # Presentation helpers for the pages (no queries).
    @property
    def abstract_paragraph_list(self) -> list[str]:
        """The abstract's paragraphs (the parsers separate them with a blank line)."""
        return [p for p in self.abstract.split("\n\n") if p.strip()]

    @property
    def title_tex(self) -> str:
        """The title as typed on arXiv."""
        return self.tex_originals.get("title", self.title)

    @property
    def is_revised(self) -> bool:
        return self.version_count > 1 and self.latest_version_date is not None

    @property
    def work_type(self) -> str:
        """ "journal article" once arXiv records a journal reference, "preprint" otherwise."""
        return "journal article" if self.journal_ref else "preprint"

    @property
    def has_long_author_list(self) -> bool:
        """Its page leaves authors out: links from a profile then say whose record it is."""
        return self.authors_count > WORK_PAGE_FIRST_AUTHORS

    @property
    def unlisted_authors_count(self) -> int:
        """Authors a list leaves out after the ones it prefetched (see selectors.LISTED_AUTHORS)."""
        listed = len(getattr(self, "listed_authorships", ()))
        return max(self.authors_count - listed, 0)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"


class WorkTopic(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="work_topics")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="work_topics")
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "topic"], name="worktopic_unique"),
        ]
        indexes = [models.Index(fields=["topic", "work"], name="worktopic_topic_idx")]

    def __str__(self) -> str:
        return f"{self.work_id} in {self.topic_id}"


class WorkVersion(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    created = models.DateTimeField()
    size = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["work", "number"]
        constraints = [
            models.UniqueConstraint(fields=["work", "number"], name="workversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.work.arxiv_id}v{self.number}"


class AuthorshipSource(models.TextChoices):
    ARXIV = "arxiv", "arXiv import"
    CLAIM = "claim", "Author claim"
    CURATOR = "curator", "Curator"


class Authorship(models.Model):
    # No single-column indexes on the two keys: authorship_work_idx and authorship_author_idx
    # below serve those lookups, and each holds the other key, so a work's co-authors and an
    # author's works are read from the index alone (the recompute and the graph read millions).
    work = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, related_name="authorships", db_index=False
    )
    position = models.PositiveIntegerField()  # 1..n, printed order
    printed_name = models.TextField()
    printed_affiliation = models.TextField(blank=True)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="authorships"
    )
    # Where the attribution to `author` came from. Only arXiv-sourced attributions may be changed
    # by a later import: curation wins over automation.
    source = models.CharField(
        max_length=10, choices=AuthorshipSource.choices, default=AuthorshipSource.ARXIV
    )

    # Set by publications.pages on the lines it numbers, not a column: declared here for the type
    # checker only.
    affiliation_number: int | None

    class Meta:
        ordering = ["work", "position"]
        constraints = [
            models.UniqueConstraint(fields=["work", "position"], name="authorship_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="authorship_position_gte_1"),
        ]
        indexes = [
            models.Index(fields=["author", "work"], name="authorship_author_idx"),
            models.Index(fields=["work", "author"], name="authorship_work_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.printed_name} #{self.position} on {self.work_id}"

    @property
    def author_url(self) -> str:
        """The author record's page; uses the `author_slug` annotation of list selectors when
        present, so lists need no Author instance per name.
        Empty for a record its owner hid: the printed name is shown unlinked."""
        author_hidden = getattr(self, "author_hidden", None)
        if author_hidden is None:
            if self.author.hidden:
                return ""
        elif author_hidden:
            return ""
        slug = getattr(self, "author_slug", None)
        return author_url(slug) if slug is not None else self.author.get_absolute_url()


class ImportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"
        # The process died mid-run (killed, out of memory, machine lost): what it committed stays.
        INTERRUPTED = "interrupted", "Interrupted"

    source = models.CharField(max_length=40)  # "snapshot", "atom", "oai", "api-harvest", ...
    parameters = models.JSONField(default=dict, blank=True)
    # OAI-PMH from-date watermark (the datestamp harvested up to) or resumption cursor.
    watermark = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    records_seen = models.PositiveIntegerField(default=0)
    records_created = models.PositiveIntegerField(default=0)
    records_updated = models.PositiveIntegerField(default=0)
    records_unchanged = models.PositiveIntegerField(default=0)
    records_skipped = models.PositiveIntegerField(default=0)
    records_failed = models.PositiveIntegerField(default=0)
    # [{"where": "line 17", "arxiv_id": "...", "reason": "..."}], capped (see services).
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written with each committed batch (with the counts so far): a running run whose process is
    # gone, or whose heartbeat is old, was interrupted (see services.mark_interrupted_runs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    # Harvests: the latest datestamp read. The watermark only moves there once every record of the
    # window is in, or a person acknowledged the failed ones (failures_acknowledged_*).
    window_end = models.CharField(max_length=100, blank=True)
    failures_acknowledged_at = models.DateTimeField(null=True, blank=True)
    failures_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="importrun_source_idx")]

    def __str__(self) -> str:
        return f"{self.source} import {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class IdentityReview(models.TextChoices):
    ACCEPTED = "accepted", "Accepted (merged)"
    REJECTED = "rejected", "Rejected (not one person)"


class IdentityDecision(models.Model):
    """A decision (or proposal) of the author identity engine, with the evidence behind it.

    ``merge``: the records in ``records`` after the first were merged into the first (the
    survivor). ``proposal``: the engine thinks they are one person but a person or curator
    fixed one of them (a claim, a curator's merge, split or "not mine"), so nothing moved;
    owners and curators decide.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", "Merged"
        PROPOSAL = "proposal", "Proposed (a claimed or curated record: nothing moved)"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="identity_decisions",
        help_text="The surviving (or proposing) record.",
    )  # fmt: skip
    records = ArrayField(models.IntegerField(), help_text="Author ids, the survivor first.")
    reason = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    confidence = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # What a person made of it (publications/identity_review.py): the owner of the record took the
    # proposal or said "not me", a curator accepted or rejected it. A rejected pair of records is
    # never proposed again.
    review = models.CharField(max_length=20, choices=IdentityReview.choices, blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "-created_at"], name="identity_author_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.records}"


class SplitNotice(models.Model):
    """A follower of a record that turned out to hold several people is told so on their
    following page (publications/identity_review.py) until they choose whom to follow."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="split_notices"
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="+", help_text="The record they followed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "author"],
                condition=Q(closed_at__isnull=True),
                name="split_notice_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} told about {self.author_id}"


class DigestItem(models.Model):
    """A work sent to a user in an e-mail digest: no work is sent to the same user twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_items"
    )
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "work"], name="digest_item_once_per_user_work")
        ]

    def __str__(self) -> str:
        return f"{self.work_id} sent to {self.user_id}"


if TYPE_CHECKING:
    # Instances as the list selectors return them, with what annotate() and Prefetch(to_attr=...)
    # add (django-stubs checks those names against the queries, so they are not declared on the
    # models themselves).
    from django_stubs_ext import WithAnnotations

    class _ListedAuthorshipFields(TypedDict):
        author_slug: str
        author_hidden: bool

    ListedAuthorship = WithAnnotations[Authorship, _ListedAuthorshipFields]

    class _WorkListedAuthorsFields(TypedDict):
        listed_authorships: list[ListedAuthorship]

    WorkWithListedAuthors = WithAnnotations[Work, _WorkListedAuthorsFields]

    class _TopicWorksHereFields(TypedDict):
        works_here: int

    TopicWithWorksHere = WithAnnotations[Topic, _TopicWorksHereFields]
