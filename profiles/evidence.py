"""Claim evidence: pure checks (no ORM), so they are cheap to test exhaustively.

An institutional e-mail address is strong evidence when its domain names an institution that
appears in the record's affiliations: "jane@cfa.harvard.edu" matches "Harvard-Smithsonian Center
for Astrophysics". Generic mail providers and second-level labels ("ac", "edu", "co") never match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from profiles.names import name_key

ORCID_RE = re.compile(r"^(\d{4}-){3}\d{3}[\dX]$")
ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})$")
_GENERIC_LABELS = {"ac", "edu", "co", "com", "org", "net", "gov", "mail", "email", "www", "uni",
                   "univ", "staff", "student", "students", "alumni", "dept", "phys", "physics"}
_FREE_MAIL = {"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com",
              "live.com", "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com",
              "gmx.de", "gmx.net", "web.de", "qq.com", "163.com", "126.com", "mail.ru",
              "yandex.ru", "example.org", "example.com"}


def normalise_orcid(value: str) -> str:
    """"https://orcid.org/0000-0002-1825-0097" or the bare iD → the bare iD; "" when invalid."""
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
