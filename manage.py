#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doubtfire.settings")
    # Where development (DEBUG on, no SECRET_KEY) keeps its key, outside git: see doubtfire/settings.py.
    os.environ.setdefault("DEV_SECRET_KEY_FILE", str(Path(__file__).resolve().parent / ".secret_key"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
