#!/usr/bin/env python
import os
import sys

from bzpeer.embedded_db import use_embedded_if_unset


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    use_embedded_if_unset()  # without DATABASE_URL: the embedded PostgreSQL under .data/
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
