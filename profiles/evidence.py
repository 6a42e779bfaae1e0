"""Claim evidence: pure checks (no ORM), so they are cheap to test exhaustively.

An institutional e-mail address is strong evidence only through its *registrable domain* (the
public suffix plus one label, from the Public Suffix List shipped in the ``publicsuffixlist``
package: "jane@cfa.harvard.edu" → "harvard.edu", "eve@university.evil.test" → "evil.test"), looked
up in the curators' table of institution e-mail domains (profiles.models.InstitutionDomain).
``domain_matches_affiliations`` (a label of the domain is a word of an affiliation) is only a hint
shown to curators: anyone can register "university.evil.test".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from publications.names import name_key

ORCID_RE = re.compile(r"^(\d{4}-){3}\d{3}[\dX]$")
_GENERIC_LABELS = {
    "ac",
    "edu",
    "co",
    "com",
    "org",
    "net",
    "gov",
    "mail",
    "email",
    "www",
    "uni",
    "univ",
    "staff",
    "student",
    "students",
    "alumni",
    "dept",
    "phys",
    "physics",
}
_FREE_MAIL = {
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "qq.com",
    "163.com",
    "126.com",
    "mail.ru",
    "yandex.ru",
    "example.org",
    "example.com",
}


def normalise_orcid(value: str) -> str:
    """ "https://orcid.org/0000-0002-1825-0097" or the bare iD → the bare iD; "" when invalid."""
    value = value.strip().rsplit("/", 1)[-1].upper()
    if not ORCID_RE.match(value):
        return ""
    digits = value.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return value if digits[-1] == expected else ""


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


@lru_cache(maxsize=1)
def _suffix_list():
    # The list bundled with the package: nothing is fetched at run time.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registrable_domain(email_or_domain: str) -> str:
    """The registrable domain (eTLD+1) of an address or a host name; "" when there is none (a
    bare public suffix such as "co.uk", an empty or malformed name). Private suffixes of the list
    count as suffixes too ("someone.github.io" is registrable, "github.io" is not)."""
    value = email_or_domain.strip().lower()
    if "@" in value:
        value = email_domain(value)
    value = value.rstrip(".")
    try:  # internationalised names in their ASCII form, as the list also holds them
        value = value.encode("idna").decode("ascii") if not value.isascii() else value
    except UnicodeError:
        return ""
    if (
        not value
        or ".." in value
        or not all(
            label and re.fullmatch(r"[a-z0-9-]+|xn--[a-z0-9-]+", label)
            for label in value.split(".")
        )
    ):
        return ""
    return _suffix_list().privatesuffix(value) or ""


def is_free_mail(domain: str) -> bool:
    """Generic mail providers never identify an institution."""
    return domain in _FREE_MAIL


def domain_matches_affiliations(email: str, affiliations: Iterable[str]) -> bool:
    """True when a distinctive label of the e-mail domain is a word of one of the affiliations."""
    domain = email_domain(email)
    if not domain or domain in _FREE_MAIL:
        return False
    labels = domain.split(".")[:-1]  # the top-level domain never identifies an institution
    distinctive = {label for label in labels if len(label) >= 3 and label not in _GENERIC_LABELS}
    if not distinctive:
        return False
    for affiliation in affiliations:
        words = set(name_key(affiliation).split())
        if distinctive & words:
            return True
    return False
