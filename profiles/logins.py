"""Password log-in outside allauth's pages (the API token endpoint, the admin's form), with the
checks of the site's log-in form: allauth's LoginForm counts failed attempts per account and per client address
(``ACCOUNT_RATE_LIMITS["login_failed"]``) and log-ins per address (``"login"``) in the same
counters, so guessing through the API and the form together is one limit. An account whose
e-mail address is not verified gets no credentials, like on the form."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest

from profiles.selectors import has_verified_email


@dataclass
class LoginRefused(Exception):
    """``code``: "invalid" (wrong credentials), "throttled" (too many attempts), "unverified"."""

    code: str
    message: str


def password_login(request: HttpRequest, *, login: str, password: str):
    """The user these credentials belong to, or LoginRefused. Does not start a session."""
    form = LoginForm(data={"login": login, "password": password}, request=request)
    if not form.is_valid():
        codes = {error.code for errors in form.errors.as_data().values() for error in errors}
        if "too_many_login_attempts" in codes:
            raise LoginRefused("throttled", "Too many failed log-in attempts; try again later.")
        raise LoginRefused("invalid", "Unable to log in with the given credentials.")
    if not has_verified_email(form.user):
        raise LoginRefused(
            "unverified",
            "Verify your e-mail address first: follow the link we sent you when you signed up.",
        )
    return form.user


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's log-in form, checked by allauth like the site's form: its failures count in
    the same per-account and per-address limits, and it is refused while they hold."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = get_adapter(self.request).authenticate(
                self.request, username=username, password=password
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
