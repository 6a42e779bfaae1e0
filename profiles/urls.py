from django.urls import path

from profiles import actions, digest_views, views
from profiles.feeds import AuthorWorksFeed

app_name = "profiles"
urlpatterns = [
    path("authors/<str:slug>/", views.author_detail, name="author"),
    path("authors/<str:slug>/feed/", AuthorWorksFeed(), name="author-feed"),
    # issue 4: follow, claim, owner edits, invitations
    path("authors/<str:slug>/follow/", actions.follow, name="follow"),
    path("authors/<str:slug>/unfollow/", actions.unfollow, name="unfollow"),
    path("authors/<str:slug>/claim/", actions.claim, name="claim"),
    path("authors/<str:slug>/edit/", actions.author_edit, name="author-edit"),
    path("authors/<str:slug>/not-mine/", actions.work_not_mine, name="work-not-mine"),
    path("authors/<str:slug>/add-work/", actions.work_add, name="work-add"),
    path("authors/<str:slug>/visibility/", actions.author_visibility, name="author-visibility"),
    path("authors/<str:slug>/merge-request/", actions.merge_request, name="merge-request"),
    path("authors/<str:slug>/invite/", actions.invite, name="invite"),
    path("following/", actions.following, name="following"),
    path("following/feed/<str:token>/", actions.following_feed, name="following-feed"),
    path(
        "following/new-feed-address/", actions.following_feed_rotate, name="following-feed-rotate"
    ),
    path("claims/", actions.claims, name="claims"),
    path("claims/<int:claim_id>/withdraw/", actions.claim_withdraw, name="claim-withdraw"),
    path("inbox/", actions.inbox, name="inbox"),
    path("settings/digest/", digest_views.digest_settings, name="digest-settings"),
    path(
        "digest/unsubscribe/<str:token>/",
        digest_views.digest_unsubscribe,
        name="digest-unsubscribe",
    ),
    path("inbox/blocked/<int:user_id>/unblock/", actions.sender_unblock, name="sender-unblock"),
    path(
        "inbox/<int:invitation_id>/<str:action>/",
        actions.invitation_action,
        name="invitation-action",
    ),
]
