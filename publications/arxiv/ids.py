"""The shape of an arXiv identifier, without version: "2101.00001" or "hep-th/9901001"."""

from __future__ import annotations

import re

ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})$")
