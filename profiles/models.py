"""Author records and what people do with them: follow, claim, invite, curate."""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.encoding import iri_to_uri


class Institution(models.Model):
    name = models.CharField(max_length=500)
    name_key = models.CharField(max_length=500, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InstitutionDomain(models.Model):
    """An e-mail domain an institution really uses, as a registrable domain ("psu.edu", never a
    sub-domain or a public suffix). A verified address at this domain is strong evidence (L3) on
    records whose works or profile name the institution. Kept by curators (admin, audited)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="email_domains"
    )
    domain = models.CharField(max_length=253, help_text="Registrable domain, e.g. psu.edu.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, help_text="Where this domain was seen.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain", "institution"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "domain"], name="institution_domain_unique"
            )
        ]
        indexes = [models.Index(fields=["domain"], name="institution_domain_idx")]
        verbose_name = "institution e-mail domain"

    def __str__(self) -> str:
        return f"{self.domain} ({self.institution})"


class VerificationLevel(models.IntegerChoices):
    L0 = 0, "L0 · no public source"
    L1 = 1, "L1 · imported from arXiv, unclaimed"
    L2 = 2, "L2 · claimed, verified e-mail"
    L3 = 3, "L3 · claimed with strong evidence"
    L4 = 4, "L4 · confirmed by a curator"


class SeveralDecision(models.TextChoices):
    """A curator's decision about "may combine several researchers". The recompute computes
    ``Author.may_combine_several``; a decision here outranks it and no recompute changes it."""

    NONE = "", "not reviewed: the recompute decides"
    ONE = "one", "one researcher: flag cleared by a curator"
    SEVERAL = "several", "several researchers: flagged by a curator"


def several_shown(*, computed: bool, decision: str) -> bool:
    """Whether a record counts as "may combine several researchers" (shown, queued, penalised):
    a curator's decision outranks what the recompute computed."""
    if decision:
        return decision == SeveralDecision.SEVERAL
    return computed


class AuthorQuerySet(models.QuerySet["Author"]):
    def live(self) -> AuthorQuerySet:
        """Records that were not merged into another one."""
        return self.filter(merged_into__isnull=True)

    def flagged_several(self) -> AuthorQuerySet:
        """Records shown as "may combine several researchers": flagged by a curator, or by the
        recompute when no curator has decided."""
        return self.filter(
            Q(several_decision=SeveralDecision.SEVERAL)
            | Q(several_decision=SeveralDecision.NONE, may_combine_several=True)
        )

    def public(self) -> AuthorQuerySet:
        """Live records whose owner has not hidden them: what search, lists and the graph show."""
        return self.filter(merged_into__isnull=True, hidden=False)


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
        choices=SeveralDecision.choices,
        default=SeveralDecision.NONE,
        db_default=SeveralDecision.NONE,
        blank=True,
        help_text="A curator's decision about the flag; it outranks the recompute.",
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

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuthorQuerySet.as_manager()

    class Meta:
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
            # record: the condition is AuthorQuerySet.flagged_several() on live records.
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

    def get_absolute_url(self) -> str:
        return reverse("profiles:author", kwargs={"slug": self.slug})

    @property
    def is_claimed(self) -> bool:
        return self.claimed_by_id is not None

    @property
    def flagged_several(self) -> bool:
        """Shown (and penalised) as "may combine several researchers": a curator's decision when
        there is one, else the recompute's."""
        return several_shown(computed=self.may_combine_several, decision=self.several_decision)

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


class FlaggedAuthor(Author):
    """Author records flagged "may combine several researchers" (by the recompute or a curator):
    the curators' one review queue (split, clear the flag, flag again)."""

    class Meta:
        proxy = True
        verbose_name = "flagged author record"
        verbose_name_plural = "flagged author records (may combine several researchers)"


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "author"], name="follow_unique_user_author")
        ]
        indexes = [models.Index(fields=["author", "user"], name="follow_author_idx")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.author}"


class ClaimState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Claim(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims"
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="claims")
    state = models.CharField(max_length=12, choices=ClaimState.choices, default=ClaimState.PENDING)
    # Evidence as given: {"orcid": ..., "email": ..., "message": ..., "works": [arxiv ids]}
    evidence = models.JSONField(default=dict, blank=True)
    evidence_level = models.PositiveSmallIntegerField(
        choices=VerificationLevel.choices, default=VerificationLevel.L2
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_claims",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The level the record got when this claim was approved (evidence_level is what the evidence
    # proved; a curator's approval gives L4).
    granted_level = models.PositiveSmallIntegerField(
        choices=VerificationLevel.choices, null=True, blank=True
    )
    # A curator looked at this pending claim against another person's and kept it open as a
    # dispute: only such claims lower the record's trust score.
    dispute_seen_at = models.DateTimeField(null=True, blank=True)
    dispute_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["author"],
                condition=Q(state="approved"),
                name="claim_one_approved_per_author",
            ),
            models.UniqueConstraint(
                fields=["user", "author"],
                condition=Q(state="pending"),
                name="claim_one_pending_per_user_author",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="claim_queue_idx")]

    def __str__(self) -> str:
        return f"{self.user} claims {self.author} ({self.state})"

    @property
    def level(self) -> int:
        """The level to show: what an approval granted, else what the evidence proves."""
        if self.state == ClaimState.APPROVED and self.granted_level is not None:
            return self.granted_level
        return self.evidence_level

    def get_level_display(self) -> str:
        return VerificationLevel(self.level).label


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class CollaborationInvitation(models.Model):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_invitations"
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="invitations")
    # The person who owned the record when the invitation was sent: it is theirs to read and
    # answer, whoever owns the record later.
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.CASCADE,
        related_name="received_invitations",
    )
    message = models.TextField(max_length=2000)
    # How each side can be reached, as each chose it (the sender when sending, the receiver when
    # accepting); shown to the other side only once the invitation is accepted.
    sender_contact = models.CharField(max_length=200, blank=True)
    receiver_contact = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=12, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    # Set by profiles.selectors.inbox_of_user, not a column: declared for the type checker.
    sender_blocked: bool

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "author"],
                condition=Q(state="pending"),
                name="invitation_one_open_per_sender_author",
            )
        ]
        indexes = [models.Index(fields=["receiver", "-created_at"], name="invitation_receiver_idx")]

    def __str__(self) -> str:
        return f"{self.sender} → {self.author} ({self.state})"


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
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="curation_author_idx"),
            models.Index(fields=["target_type", "target_id"], name="curation_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


class InvitationBlock(models.Model):
    """The receiver of invitations (``blocker``) refuses further invitations from ``blocked``."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="invitation_block_unique")
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class DigestFrequency(models.TextChoices):
    OFF = "off", "No e-mail"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class DigestSubscription(models.Model):
    """A user's choice of e-mail digest of new works by the records they follow (opt-in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    frequency = models.CharField(
        max_length=8, choices=DigestFrequency.choices, default=DigestFrequency.OFF
    )
    # When the user last opted in: works BZPEER learned of before that are not "new" to them.
    subscribed_at = models.DateTimeField(null=True, blank=True)
    # When the last digest run for this user was claimed (set before sending, so a second run
    # in the same period sends nothing).
    last_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["frequency", "last_sent_at"], name="digest_due_idx")]

    def __str__(self) -> str:
        return f"{self.user} digest: {self.frequency}"


class FollowingFeedKey(models.Model):
    """The secret in the address of a user's private Atom feed of the records they follow.
    Replacing it (the user's "new link" button) makes the old address stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="following_feed_key",
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"following feed of {self.user}"


if TYPE_CHECKING:
    # An author record with what profiles.selectors and profiles.api add (django-stubs checks
    # annotate() names against the queries, so it is not declared on Author itself).
    from django_stubs_ext import WithAnnotations

    class _FollowingFields(TypedDict):
        following: bool

    AuthorWithFollowing = WithAnnotations[Author, _FollowingFields]
