"""The catalogue: works as arXiv publishes them (one per arXiv id, with versions, topics and ordered
authorships), the author records and institutions they are attributed to, import runs, the identity
engine's decisions and the audit log of every change.

The author records' tables keep their names from the time they lived in profiles (profiles_author,
profiles_institution, profiles_curationevent). Their computed columns (counters, trust score, the
computed "may combine several researchers") belong to graph, which alone writes them (see
graph.models.AuthorStats and Author.save()).
"""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Exists, ExpressionWrapper, JSONField, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.encoding import iri_to_uri


class Institution(models.Model):
    name = models.CharField(max_length=500)
    name_key = models.CharField(max_length=500, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "profiles_institution"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VerificationLevel(models.IntegerChoices):
    L0 = 0, "L0 · no public source"
    L1 = 1, "L1 · imported from arXiv, unclaimed"
    L2 = 2, "L2 · claimed, verified e-mail"
    L3 = 3, "L3 · claimed with strong evidence"
    L4 = 4, "L4 · confirmed by a curator"


class MayCombineSeveralDecision(models.TextChoices):
    """A curator's decision about "may combine several researchers". The recompute computes
    ``Author.may_combine_several``; a decision here outranks it and no recompute changes it."""

    NONE = "", "not reviewed: the recompute decides"
    ONE = "one", "one researcher: flag cleared by a curator"
    SEVERAL = "several", "several researchers: flagged by a curator"


class IdentityAssessment(models.TextChoices):
    """What the identity engine makes of a record (publications/identity/records.py assess)."""

    NONE = "", "not assessed yet"
    ONE = "one", "one person"
    SEVERAL = "several", "may combine several researchers"


def shows_may_combine_several(*, computed: bool, decision: str) -> bool:
    """Whether a record counts as "may combine several researchers" (shown, queued, penalised):
    a curator's decision outranks what the recompute computed."""
    if decision:
        return decision == MayCombineSeveralDecision.SEVERAL
    return computed


class AuthorQuerySet(models.QuerySet["Author"]):
    def live(self) -> AuthorQuerySet:
        """Records that were not merged into another one."""
        return self.filter(merged_into__isnull=True)

    def shows_may_combine_several(self) -> AuthorQuerySet:
        """Records shown as "may combine several researchers": flagged by a curator, or by the
        recompute when no curator has decided."""
        return self.filter(
            Q(several_decision=MayCombineSeveralDecision.SEVERAL)
            | Q(several_decision=MayCombineSeveralDecision.NONE, may_combine_several=True)
        )

    def public(self) -> AuthorQuerySet:
        """Live records whose owner has not hidden them: what search, lists and the graph show."""
        return self.filter(merged_into__isnull=True, hidden=False)

    def with_split(self) -> AuthorQuerySet:
        """Each record with ``was_split``: a split moved works off it or made it (it has a name
        page, publications.identity_review.split_family), read in the record's own query. Only
        splits make "split" events; the audit log's indexes answer both sides."""
        splits = CurationEvent.objects.filter(action="split")
        # The attribute is declared on Author, for the code that reads it.
        return self.annotate(  # type: ignore[no-redef]
            was_split=ExpressionWrapper(
                Exists(splits.filter(author=OuterRef("pk")))
                | Exists(
                    splits.filter(
                        target_type="author", target_id=Cast(OuterRef("pk"), models.CharField())
                    )
                ),
                output_field=models.BooleanField(),
            )
        )

    def with_open_proposals(self) -> AuthorQuerySet:
        """Each record with ``has_open_proposals``: the identity engine proposed other records
        to join it, or proposed to split it, and nobody answered yet
        (publications.identity_review.open_proposals_for, open_split_proposals_for)."""
        # The attribute is declared on Author, for the code that reads it.
        return self.annotate(  # type: ignore[no-redef]
            has_open_proposals=Exists(
                IdentityDecision.objects.filter(
                    author=OuterRef("pk"),
                    kind__in=[IdentityDecision.Kind.PROPOSAL, IdentityDecision.Kind.SPLIT_PROPOSAL],
                    review="",
                )
            )
        )


# Pending-list limit (kB) of the GIN indexes searched on every search page (author names here,
# work text in publications). New entries go to a pending list that every search scans in full:
# at PostgreSQL's default of 4 MB, the ~10,000 entries a bulk import or a recompute leaves there
# doubled the cost of a search on the astro-ph database. A small list keeps that cost negligible
# and moves the merging to the writers, in smaller steps.
SEARCH_GIN_PENDING_KB = 256


class Author(models.Model):
    """The public author record. Built from arXiv names; claimed and corrected by people."""

    display_name = models.CharField(max_length=300)
    # Case, accents, spacing and punctuation folded; "Lin, Dong" and "Dong Lin" share one key.
    name_key = models.CharField(max_length=300)
    name_variants = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    slug = models.SlugField(max_length=320, unique=True, allow_unicode=True)
    # The one record per name key that imports attach new authorships to. Records split off by
    # curators share the name but do not receive imports.
    receives_imports = models.BooleanField(default=True)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="authors"
    )
    bio = models.TextField(blank=True)
    # The owner's own page (http or https only), shown with rel="nofollow ugc noopener".
    homepage = models.URLField(max_length=500, blank=True, db_default="")
    open_to_collaborate = models.BooleanField(default=False)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_authors",
    )
    verification_level = models.PositiveSmallIntegerField(
        choices=VerificationLevel.choices, default=VerificationLevel.L1
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    # The owner hid the record's page: it answers 410 and leaves search, lists, the graph and the
    # API; its works stay on their publication pages with the printed name unlinked.
    hidden = models.BooleanField(default=False, db_default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    # Computed by the recompute (graph.services): the record's works look like several people's.
    may_combine_several = models.BooleanField(
        default=False,
        help_text="Computed by the recompute: the record's works look like several people's.",
    )
    # A curator's decision about that flag; the recompute reads it and never writes it.
    # db_default: the importer inserts records with raw SQL.
    several_decision = models.CharField(
        max_length=10,
        choices=MayCombineSeveralDecision.choices,
        default=MayCombineSeveralDecision.NONE,
        db_default=MayCombineSeveralDecision.NONE,
        blank=True,
        help_text="A curator's decision about the flag; it outranks the recompute.",
    )

    # The identity engine's assessment of the record (publications/identity_service.py writes
    # it; graph reads it for the flag "may combine several researchers"): one person, or several
    # people's works, and the share of its authorships in its largest engine cluster (its
    # confidence that the record is one person). Empty until a pass of the engine saw the record.
    # db_default: the importer inserts records with raw SQL.
    identity_assessment = models.CharField(
        max_length=10,
        choices=IdentityAssessment.choices,
        default=IdentityAssessment.NONE,
        db_default=IdentityAssessment.NONE,
        blank=True,
        help_text="The identity engine's assessment: one person or several people's works.",
    )
    identity_confidence = models.FloatField(
        null=True,
        blank=True,
        help_text="Share of the record's authorships the identity engine holds to be one person.",
    )

    # Stored counters and trust score, recomputed by graph workers (see graph/).
    works_count = models.PositiveIntegerField(default=0)
    followers_count = models.PositiveIntegerField(default=0)
    topics_count = models.PositiveIntegerField(default=0)
    close_collaborators_count = models.PositiveIntegerField(default=0)
    verified_collaborators_count = models.PositiveIntegerField(default=0)
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    trust_score = models.PositiveSmallIntegerField(default=0)
    trust_tier = models.CharField(max_length=20, default="Emerging")
    trust_formula_version = models.PositiveSmallIntegerField(default=0)
    trust_components = models.JSONField(default=dict, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    # Set by publications.selectors.topic_prolific_authors, not a column: declared for the type
    # checker only.
    topic_works: int
    # Set by AuthorQuerySet.with_split and .with_open_proposals, not columns: declared for the
    # type checker only.
    was_split: bool
    has_open_proposals: bool

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuthorQuerySet.as_manager()

    # Computed and written by graph alone (graph.models.AuthorStats). A record is created with
    # their defaults (the importer inserts new records with zero counters); save() of an existing
    # record never writes them.
    COMPUTED_FIELDS = (
        "works_count",
        "followers_count",
        "topics_count",
        "close_collaborators_count",
        "verified_collaborators_count",
        "first_year",
        "last_year",
        "trust_score",
        "trust_tier",
        "trust_formula_version",
        "trust_components",
        "scored_at",
        "may_combine_several",
    )

    # Written by the identity engine's pass alone (publications/identity_service.py), with SQL;
    # save() of an existing record without update_fields never writes them either.
    ENGINE_FIELDS = ("identity_assessment", "identity_confidence")

    class Meta:
        db_table = "profiles_author"
        constraints = [
            models.UniqueConstraint(
                fields=["name_key"],
                condition=Q(receives_imports=True),
                name="author_one_import_target_per_name_key",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="author_not_merged_into_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["name_key"], name="author_name_key_idx"),
            GinIndex(
                fields=["name_key"],
                opclasses=["gin_trgm_ops"],
                name="author_name_key_trgm",
                gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
            ),
            models.Index(fields=["-works_count"], name="author_works_count_idx"),
            # The flagged-records queue (biggest first) and its count, without reading every
            # record: the condition is AuthorQuerySet.shows_may_combine_several() on live records.
            models.Index(
                fields=["-works_count", "id"],
                condition=Q(merged_into__isnull=True)
                & (
                    Q(several_decision="several") | Q(several_decision="", may_combine_several=True)
                ),
                name="author_flagged_queue_idx",
            ),
        ]
        permissions = [
            (
                "curate_author",
                "Can curate author records (merge, split, review claims, hide works)",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        """Insert a new record whole; update an existing one without the columns graph computes
        and those the identity engine writes (a stale instance saved after a recompute or a pass
        must not put old values back)."""
        if self._state.adding or self.pk is None or kwargs.get("force_insert"):
            super().save(*args, **kwargs)
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            update_fields = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key
                and f.name not in self.COMPUTED_FIELDS
                and f.name not in self.ENGINE_FIELDS
            ]
        else:
            computed = set(update_fields) & set(self.COMPUTED_FIELDS)
            if computed:
                raise ValueError(
                    f"{sorted(computed)} are computed by graph: write them through "
                    "graph.models.AuthorStats"
                )
        kwargs["update_fields"] = update_fields
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return author_url(self.slug)  # defined below: the same URL without a resolver pass

    @property
    def is_claimed(self) -> bool:
        return self.claimed_by_id is not None

    @property
    def shows_may_combine_several(self) -> bool:
        """Shown (and penalised) as "may combine several researchers": a curator's decision when
        there is one, else the recompute's."""
        return shows_may_combine_several(
            computed=self.may_combine_several, decision=self.several_decision
        )

    @property
    def page_version(self) -> str:
        """Changes whenever something the public profile shows changes, including counters that
        workers set with bulk UPDATEs (which leave updated_at alone): the key of the profile's
        cached fragments."""
        return "-".join(
            str(v)
            for v in (
                self.updated_at.timestamp() if self.updated_at else 0,
                self.works_count,
                self.followers_count,
                self.topics_count,
                self.close_collaborators_count,
                self.trust_score,
                self.verification_level,
                self.claimed_by_id,
                self.institution_id,
                self.may_combine_several,
                self.several_decision,
                self.hidden,
                self.homepage,
                self.scored_at.timestamp() if self.scored_at else 0,
                zlib.crc32(json.dumps(self.trust_components, sort_keys=True).encode()),
            )
        )


@lru_cache(maxsize=1)
def _author_url_pattern() -> str:
    return reverse("profiles:author", kwargs={"slug": "SLUG"})


def author_url(slug: str) -> str:
    """Author.get_absolute_url without a URL resolver pass per call (lists print hundreds)."""
    return _author_url_pattern().replace("SLUG", iri_to_uri(slug), 1)


class MayCombineSeveralRecord(Author):
    """Author records flagged "may combine several researchers" (by the recompute or a curator):
    the curators' one review queue (split, clear the flag, flag again)."""

    class Meta:
        proxy = True
        verbose_name = "record that may combine several researchers"
        verbose_name_plural = "records that may combine several researchers"


class AuthorSearchName(models.Model):
    """The name key of every public record (live, not hidden), alone in a narrow table with its
    own trigram index: what the search page matches names against. Matching against the author
    records themselves rechecked each candidate on its wide row (counters, trust components,
    bio), one page read per candidate; here hundreds of keys share a page that stays in memory.

    Kept in step by the database, like an index, whoever writes the records (the importer's
    COPY and upserts, merges and their undo, splits, hiding, the identity engine's set-based
    merges): triggers on profiles_author (migration 0011) add a record's key when it is created
    public or becomes public again, and remove it when it is merged, hidden or deleted. No
    service writes this table."""

    author = models.OneToOneField(
        Author,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the trigger on profiles_author removes the row
        related_name="search_name",
    )
    name_key = models.CharField(max_length=300)

    class Meta:
        indexes = [
            GinIndex(
                fields=["name_key"],
                opclasses=["gin_trgm_ops"],
                name="author_search_name_trgm",
                gin_pending_list_limit=SEARCH_GIN_PENDING_KB,
            ),
        ]

    def __str__(self) -> str:
        return self.name_key


class CurationEvent(models.Model):
    """Append-only audit of every change made by a person (owner or curator) or by a worker."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="curation_events",
    )
    action = models.CharField(max_length=50)
    target_type = models.CharField(max_length=50)  # "author", "work", "authorship", "claim"
    target_id = models.CharField(max_length=100)
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="history"
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "profiles_curationevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="curation_author_idx"),
            models.Index(fields=["target_type", "target_id"], name="curation_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


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


_WORK_URL_ID = "0000.00000"  # any id the work URL accepts, replaced by the real one


@lru_cache(maxsize=1)
def _work_url_pattern() -> str:
    return reverse("publications:work", kwargs={"arxiv_id": _WORK_URL_ID})


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
        # Without a URL resolver pass per call: a results page links twenty works.
        return _work_url_pattern().replace(_WORK_URL_ID, iri_to_uri(self.arxiv_id), 1)

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
    # The identity engine's name block of ``printed_name`` (publications.identity.names.block_key:
    # folded family name and first initial), so that a pass over a few blocks reads only their
    # rows. Written by the importer with the row; empty (NULL) when another writer stored the row
    # or changed its printed name (a trigger clears it), and filled by the engine's next pass.
    block_key = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001 (NULL: not keyed yet)
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
            # A block's rows, and how many works print a name of the block (index only).
            models.Index(fields=["block_key", "work"], name="authorship_block_idx"),
            models.Index(
                fields=["id"], name="authorship_block_missing_idx", condition=Q(block_key=None)
            ),
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
    survivor). ``split``: the engine's clusters divided the first record into several people;
    the others were made from it (its slug lists everyone published under the name).
    ``split_proposal``: the same for a record people fixed, so nothing moved: curators decide.
    ``move``: a few works of a person on another person's record (``records``: where they went
    first, where they came from; ``evidence["moved"]``: the authorships) moved to their person. ``proposal``: the engine thinks they are one person but a person or curator
    fixed one of them (a claim, a curator's merge, split or "not mine"), so nothing moved;
    owners and curators decide.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", "Merged"
        PROPOSAL = "proposal", "Proposed (a claimed or curated record: nothing moved)"
        SPLIT = "split", "Split (the record held several people)"
        SPLIT_PROPOSAL = "split_proposal", "Split proposed (a claimed or curated record)"
        MOVE = "move", "Works moved to their person's record"

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
