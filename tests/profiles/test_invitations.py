"""Direct collaboration: invitations to claimed records, the inbox, answers, limits and blocks."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from profiles.claims import claim_approve
from profiles.invitations import invitation_answer, invitation_send, sender_block
from profiles.models import CollaborationInvitation, InvitationBlock
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
        response = client.post(
            f"/authors/{author.slug}/invite/",
            {"message": "Shall we write a paper on dust?", "contact": "sender@lab.example"},
        )
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
    invitation_send(sender=sender, author=author, message="one", contact="me@example.org")
    with pytest.raises(ValidationError, match="already have an open invitation"):
        invitation_send(sender=sender, author=author, message="two", contact="me@example.org")
    other, _ = claimed_author()
    invitation_send(sender=sender, author=other, message="two", contact="me@example.org")
    third, _ = claimed_author()
    with pytest.raises(ValidationError, match="2 invitations a day"):
        invitation_send(sender=sender, author=third, message="three", contact="me@example.org")
    assert CollaborationInvitation.objects.filter(sender=sender).count() == 2


def test_receiver_blocks_a_sender():
    author, owner = claimed_author()
    sender = UserFactory()
    invitation = invitation_send(
        sender=sender, author=author, message="buy my product", contact="me@example.org"
    )
    sender_block(user=owner, invitation=invitation)
    sender_block(user=owner, invitation=invitation)
    assert InvitationBlock.objects.count() == 1
    assert CollaborationInvitation.objects.get().state == "declined"
    with pytest.raises(ValidationError, match="does not accept invitations from you"):
        invitation_send(sender=sender, author=author, message="again", contact="me@example.org")


def test_only_the_receiver_answers_and_nobody_else_reads_invitations(client):
    author, owner = claimed_author()
    sender, stranger = UserFactory(), UserFactory()
    invitation = invitation_send(
        sender=sender, author=author, message="private words", contact="me@example.org"
    )
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
    assert (
        client.post(f"/authors/{first.slug}/invite/", {"message": "a", "contact": "c"}).status_code
        == 302
    )
    assert (
        client.post(f"/authors/{second.slug}/invite/", {"message": "b", "contact": "c"}).status_code
        == 429
    )
    assert CollaborationInvitation.objects.count() == 1


@pytest.mark.parametrize("n", [1, 6])
def test_inbox_query_count_is_fixed(client, django_assert_num_queries, n):
    author, owner = claimed_author()
    for _ in range(n):
        invitation_send(
            sender=UserFactory(), author=author, message="hello", contact="x@example.org"
        )
        other, _ = claimed_author()
        invitation_send(sender=owner, author=other, message="hi", contact="me@example.org")
    client.force_login(owner)
    with django_assert_num_queries(5):  # session, user, received, sent, blocked
        assert client.get("/inbox/").status_code == 200


def test_a_later_owner_of_the_record_cannot_read_or_answer_earlier_invitations(client):
    """Invitations belong to the person who owned the record when they were sent: after the
    record changes hands the new owner neither reads nor accepts them; the first owner still
    does."""
    from profiles.claims import claim_withdraw
    from profiles.models import Claim

    author, first_owner = claimed_author()
    sender = UserFactory()
    invitation = invitation_send(
        sender=sender,
        author=author,
        message="private words for the first owner",
        contact="sender@lab.example",
    )
    claim_withdraw(user=first_owner, claim=Claim.objects.get(author=author, state="approved"))
    next_owner = claim_approve(claim=ClaimFactory(author=author), reviewer=CuratorFactory()).user

    client.force_login(next_owner)
    assert "private words" not in client.get("/inbox/").content.decode()
    assert client.post(f"/inbox/{invitation.pk}/accept/").status_code == 404
    assert client.post(f"/inbox/{invitation.pk}/block/").status_code == 404
    with pytest.raises(PermissionDenied):
        invitation_answer(user=next_owner, invitation=invitation, accept=True)
    assert CollaborationInvitation.objects.get().state == "pending"

    client.force_login(first_owner)
    assert "private words for the first owner" in client.get("/inbox/").content.decode()
    client.post(f"/inbox/{invitation.pk}/accept/")
    assert CollaborationInvitation.objects.get().state == "accepted"


def test_contact_details_are_shown_only_after_acceptance(client):
    author, owner = claimed_author()
    sender = UserFactory()
    client.force_login(sender)
    client.post(
        f"/authors/{author.slug}/invite/",
        {"message": "Let us talk", "contact": "sender-phone-0123"},
    )
    invitation = CollaborationInvitation.objects.get()
    assert invitation.sender_contact == "sender-phone-0123"

    client.force_login(owner)
    assert "sender-phone-0123" not in client.get("/inbox/").content.decode()
    client.post(f"/inbox/{invitation.pk}/accept/", {"contact": "owner@uni.example"})
    inbox = client.get("/inbox/").content.decode()
    assert '<strong class="sender-contact">sender-phone-0123</strong>' in inbox

    client.force_login(sender)
    assert '<strong class="receiver-contact">owner@uni.example</strong>' in (
        client.get("/inbox/").content.decode()
    )


def test_a_declined_invitation_never_shows_the_sender_contact(client):
    author, owner = claimed_author()
    invitation = invitation_send(
        sender=UserFactory(), author=author, message="hi", contact="secret-contact"
    )
    client.force_login(owner)
    client.post(f"/inbox/{invitation.pk}/decline/")
    assert "secret-contact" not in client.get("/inbox/").content.decode()


def test_sending_needs_a_contact_detail(client):
    author, _ = claimed_author()
    client.force_login(UserFactory())
    response = client.post(f"/authors/{author.slug}/invite/", {"message": "hi", "contact": " "})
    assert response.status_code == 302 and response["Location"] == author.get_absolute_url()
    assert not CollaborationInvitation.objects.exists()
    page = client.get(author.get_absolute_url()).content.decode()
    assert "Say how the receiver can reach you" in page


def test_blocking_is_listed_in_the_inbox_and_can_be_undone(client):
    author, owner = claimed_author()
    sender = UserFactory(username="pushy")
    invitation = invitation_send(sender=sender, author=author, message="buy", contact="c")
    client.force_login(owner)
    client.post(f"/inbox/{invitation.pk}/block/")
    inbox = client.get("/inbox/").content.decode()
    blocked_section = inbox.split('id="blocked"')[1]
    assert "pushy" in blocked_section and "Unblock" in blocked_section

    # The blocked sender gets a clear message on the profile, not "403 Forbidden".
    client.force_login(sender)
    profile = client.get(author.get_absolute_url()).content.decode()
    assert "The owner of this record does not accept invitations from you." in profile
    assert "Send invitation" not in profile
    response = client.post(
        f"/authors/{author.slug}/invite/", {"message": "again", "contact": "c"}, follow=True
    )
    assert response.status_code == 200
    assert f"The owner of {author.display_name} does not accept invitations from you." in (
        response.content.decode()
    )

    # Another user cannot lift the owner's block.
    client.force_login(UserFactory())
    client.post(f"/inbox/blocked/{sender.pk}/unblock/")
    assert InvitationBlock.objects.count() == 1

    client.force_login(owner)
    client.post(f"/inbox/blocked/{sender.pk}/unblock/")
    client.post(f"/inbox/blocked/{sender.pk}/unblock/")  # safe to repeat
    assert not InvitationBlock.objects.exists()
    assert "You have blocked nobody." in client.get("/inbox/").content.decode()
    invitation_send(sender=sender, author=author, message="again", contact="c")
    assert CollaborationInvitation.objects.filter(state="pending").count() == 1
