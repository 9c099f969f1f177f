"""The `pinggu` console script: Django's manage.py with Pinggu's settings preset."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinggu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pinggu", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
