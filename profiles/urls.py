from django.urls import path

from profiles.feeds import AuthorWorksFeed
from profiles.views import claims, digests, following, identity, invitations, owner, profile

app_name = "profiles"
urlpatterns = [
    path("authors/<str:slug>/", profile.author_detail, name="author"),
    path("authors/<str:slug>/feed/", AuthorWorksFeed(), name="author-feed"),
    path("authors/<str:slug>/follow/", following.follow, name="follow"),
    path("authors/<str:slug>/unfollow/", following.unfollow, name="unfollow"),
    path("authors/<str:slug>/claim/", claims.claim, name="claim"),
    path("authors/<str:slug>/edit/", owner.author_edit, name="author-edit"),
    path("authors/<str:slug>/not-mine/", owner.work_not_mine, name="work-not-mine"),
    path("authors/<str:slug>/add-work/", owner.work_add, name="work-add"),
    path("authors/<str:slug>/visibility/", owner.author_visibility, name="author-visibility"),
    path("authors/<str:slug>/merge-request/", owner.merge_request, name="merge-request"),
    path("authors/<str:slug>/invite/", invitations.invite, name="invite"),
    path("authors/<str:slug>/proposals/", identity.proposal_answer, name="proposal-answer"),
    path(
        "authors/<str:slug>/split-proposals/",
        identity.split_proposal_answer,
        name="split-proposal-answer",
    ),
    path("authors/<str:slug>/people/", identity.name_page, name="name-page"),
    path(
        "following/split/<int:notice_id>/",
        identity.split_notice_choose,
        name="split-notice-choose",
    ),
    path("following/", following.following, name="following"),
    path("following/feed/<str:token>/", following.following_feed, name="following-feed"),
    path(
        "following/new-feed-address/",
        following.following_feed_rotate,
        name="following-feed-rotate",
    ),
    path("claims/", claims.claims, name="claims"),
    path("claims/<int:claim_id>/withdraw/", claims.claim_withdraw, name="claim-withdraw"),
    path("inbox/", invitations.inbox, name="inbox"),
    path("settings/digest/", digests.digest_settings, name="digest-settings"),
    path(
        "digest/unsubscribe/<str:token>/",
        digests.digest_unsubscribe,
        name="digest-unsubscribe",
    ),
    path("inbox/blocked/<int:user_id>/unblock/", invitations.sender_unblock, name="sender-unblock"),
    path(
        "inbox/<int:invitation_id>/<str:action>/",
        invitations.invitation_action,
        name="invitation-action",
    ),
]
