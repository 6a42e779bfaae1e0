"""Direct collaboration: invitations to claimed records, the inbox, answers, limits and blocks."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from profiles.models import CollaborationInvitation, InvitationBlock
from profiles.services import claim_approve, invitation_answer, invitation_send, sender_block
from tests.factories import AuthorFactory, ClaimFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def claimed_author():
    author = AuthorFactory()
    claim = claim_approve(claim=ClaimFactory(author=author), reviewer=CuratorFactory())
    author.refresh_from_db()
    return author, claim.user


def test_invitation_round_trip_through_the_inbox(client, django_capture_on_commit_callbacks):
    author, owner = claimed_author()
    sender = UserFactory()
    client.force_login(sender)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/authors/{author.slug}/invite/", {"message": "Shall we write a paper on dust?"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert mail.outbox[-1].to == [owner.email]
    invitation = CollaborationInvitation.objects.get()
    client.force_login(owner)
    inbox = client.get("/inbox/").content.decode()
    assert "Shall we write a paper on dust?" in inbox and sender.username in inbox
    client.post(f"/inbox/{invitation.pk}/accept/")
    assert CollaborationInvitation.objects.get().state == "accepted"
    client.force_login(sender)
    sent = client.get("/inbox/").content.decode()
    assert '<span class="state">Accepted</span>' in sent


def test_unclaimed_record_shows_why_invitations_are_locked(client):
    author = AuthorFactory()
    client.force_login(UserFactory())
    page = client.get(author.get_absolute_url()).content.decode()
    assert "Invitations are locked: nobody has claimed this record yet" in page
    assert "Send invitation" not in page
    response = client.post(f"/authors/{author.slug}/invite/", {"message": "hi"})
    assert response.status_code == 302
    assert not CollaborationInvitation.objects.exists()


def test_no_duplicate_open_invitation_and_the_daily_limit(settings):
    settings.BZPEER_INVITATIONS_PER_DAY = 2
    author, _ = claimed_author()
    sender = UserFactory()
    invitation_send(sender=sender, author=author, message="one")
    with pytest.raises(ValidationError, match="already have an open invitation"):
        invitation_send(sender=sender, author=author, message="two")
    other, _ = claimed_author()
    invitation_send(sender=sender, author=other, message="two")
    third, _ = claimed_author()
    with pytest.raises(ValidationError, match="2 invitations a day"):
        invitation_send(sender=sender, author=third, message="three")
    assert CollaborationInvitation.objects.filter(sender=sender).count() == 2


def test_receiver_blocks_a_sender():
    author, owner = claimed_author()
    sender = UserFactory()
    invitation = invitation_send(sender=sender, author=author, message="buy my product")
    sender_block(user=owner, invitation=invitation)
    sender_block(user=owner, invitation=invitation)
    assert InvitationBlock.objects.count() == 1
    assert CollaborationInvitation.objects.get().state == "declined"
    with pytest.raises(PermissionDenied, match="does not accept invitations from you"):
        invitation_send(sender=sender, author=author, message="again")


def test_only_the_receiver_answers_and_nobody_else_reads_invitations(client):
    author, owner = claimed_author()
    sender, stranger = UserFactory(), UserFactory()
    invitation = invitation_send(sender=sender, author=author, message="private words")
    for user in (sender, stranger):
        with pytest.raises(PermissionDenied):
            invitation_answer(user=user, invitation=invitation, accept=True)
    client.force_login(stranger)
    assert "private words" not in client.get("/inbox/").content.decode()
    assert client.post(f"/inbox/{invitation.pk}/accept/").status_code == 404
    client.force_login(sender)
    assert client.post(f"/inbox/{invitation.pk}/accept/").status_code == 403
    assert CollaborationInvitation.objects.get().state == "pending"


def test_invitations_are_rate_limited(client, settings):
    settings.BZPEER_RATE_INVITE = "1/h"
    first, _ = claimed_author()
    second, _ = claimed_author()
    client.force_login(UserFactory())
    assert client.post(f"/authors/{first.slug}/invite/", {"message": "a"}).status_code == 302
    assert client.post(f"/authors/{second.slug}/invite/", {"message": "b"}).status_code == 429
    assert CollaborationInvitation.objects.count() == 1


@pytest.mark.parametrize("n", [1, 6])
def test_inbox_query_count_is_fixed(client, django_assert_num_queries, n):
    author, owner = claimed_author()
    for _ in range(n):
        invitation_send(sender=UserFactory(), author=author, message="hello")
        other, _ = claimed_author()
        invitation_send(sender=owner, author=other, message="hi")
    client.force_login(owner)
    with django_assert_num_queries(4):  # session, user, received, sent
        assert client.get("/inbox/").status_code == 200
