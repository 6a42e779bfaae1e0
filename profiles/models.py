"""What people do with the catalogue's author records: claim, follow, invite, subscribe to digests."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q

from publications.models import Author, Institution, VerificationLevel, Work


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


class DigestItem(models.Model):
    """A work sent to a user in an e-mail digest: no work is sent to the same user twice. The
    table keeps the name it had when the catalogue held it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_items"
    )
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "publications_digestitem"
        constraints = [
            models.UniqueConstraint(fields=["user", "work"], name="digest_item_once_per_user_work")
        ]

    def __str__(self) -> str:
        return f"{self.work_id} sent to {self.user_id}"


class SplitNotice(models.Model):
    """A follower of a record that turned out to hold several people is told so on their
    following page (profiles/split_notices.py) until they choose whom to follow. Created when
    the catalogue splits the record (``PeopleOnRecords.record_split``). The table keeps the name
    it had when the catalogue held it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="split_notices"
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="+", help_text="The record they followed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "publications_splitnotice"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "author"],
                condition=Q(closed_at__isnull=True),
                name="split_notice_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} told about {self.author_id}"


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
