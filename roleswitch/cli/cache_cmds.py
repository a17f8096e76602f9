"""``status`` and ``forget``: what is cached, and removing it."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    from roleswitch.cli.app import add_command

    p = add_command(
        subparsers, "status", func=cmd_status,
        help="list cached sessions and their time left",
        examples="""\
  roleswitch status
  roleswitch status --json | jq '.[] | select(.expired | not) | .profile'
""")
    p.add_argument("--json", action="store_true", help="machine-readable output (no secrets)")

    p = add_command(
        subparsers, "forget", func=cmd_forget,
        help="remove cached sessions (one profile's, or all including MFA sessions)",
        examples="""\
  roleswitch forget prod-admin
  roleswitch forget            # everything
""")
    p.add_argument("profile", nargs="?", metavar="PROFILE", help="only this profile's sessions")


def cmd_status(args: argparse.Namespace) -> int:
    from roleswitch.cli.status import render_status
    from roleswitch.core import paths

    sys.stdout.write(render_status(paths.cache_dir(), as_json=args.json))
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from roleswitch.cli.status import printable
    from roleswitch.core.cache import CredentialCache

    removed = CredentialCache().forget(args.profile)
    what = f" for {printable(args.profile)}" if args.profile else ""
    sys.stdout.write(f"Removed {removed} cached session{'s' if removed != 1 else ''}{what}.\n")
    return 0
