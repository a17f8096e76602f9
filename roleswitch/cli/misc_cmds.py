"""``list``, ``shell-init`` and ``demo``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from roleswitch.core import export


def register(subparsers: Any) -> None:
    from roleswitch.cli.app import add_command

    p = add_command(
        subparsers, "list", func=cmd_list,
        help="list the roles and profiles roleswitch knows",
        examples="""\
  roleswitch list
  roleswitch list --json | jq -r '.[].name'
""")
    p.add_argument("--json", action="store_true", help="machine-readable output (no secrets)")

    p = add_command(
        subparsers, "shell-init", func=cmd_shell_init,
        help="print the `rsw` shell function (add it to your shell's rc file)",
        examples="""\
  eval "$(roleswitch shell-init bash)"      # ~/.bashrc  (zsh: ~/.zshrc with zsh)
  roleswitch shell-init fish | source       # ~/.config/fish/config.fish
  roleswitch shell-init pwsh | Out-String | Invoke-Expression   # $PROFILE
  # then: rsw prod-admin
""")
    p.add_argument("shell", choices=export.SHELLS, metavar="SHELL", help=f"one of {', '.join(export.SHELLS)}")

    if "demo" not in subparsers.choices:
        p = add_command(
            subparsers, "demo", func=cmd_demo,
            help="try roleswitch against a local, seeded AWS (no account needed)",
            examples="""\
  roleswitch demo --shell          # your $SHELL inside the demo; exit it to stop
  roleswitch demo --print-env      # exports for another terminal; Ctrl-C stops
""")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--shell", action="store_true", help="open $SHELL inside the demo")
        mode.add_argument("--print-env", action="store_true", help="print exports and serve until Ctrl-C")
        p.add_argument("--fish", action="store_true", help="with --print-env: fish syntax")
        p.add_argument("--port", type=int, default=0, help="port of the local AWS (default: any free one)")
        p.add_argument("--keep", action="store_true", help="keep the demo's files when it ends")


def _account(role: Any) -> str | None:
    account = getattr(role, "account", None)
    if account is not None:
        return account.alias or account.id
    return role.account_id


def cmd_list(args: argparse.Namespace) -> int:
    from roleswitch.cli.status import printable
    from roleswitch.core.catalogue import load_catalogue

    catalogue = load_catalogue()
    for warning in catalogue.warnings:  # stderr: `list --json` output stays machine-readable
        sys.stderr.write(f"roleswitch: warning: {printable(warning)}\n")
    if args.json:
        rows = [{
            "name": role.name, "origin": role.origin, "kind": str(role.kind), "account": _account(role),
            "account_id": role.account_id, "role_arn": role.role_arn, "region": role.region,
            "mfa": role.mfa_serial is not None, "chained": role.chained, "favorite": role.favorite,
            "description": role.description,
            **{key: getattr(role, key) for key in ("saml_provider_arn", "federation_name")
               if getattr(role, key, None)},
        } for role in catalogue.roles]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    if not catalogue.roles:
        sys.stdout.write("No roles or profiles found (see ~/.aws/config and roleswitch's config.toml).\n")
        return 0
    # The text table straight from the roles (no per-row dict): this is most of `list` on a big config.
    # printable() maps each character to one character, so widths come from the raw text and each joined
    # line is made printable once (the same text as cell by cell: the padding between cells is spaces).
    table = [("NAME", "KIND", "ACCOUNT", "MFA", "ROLE")]
    append = table.append
    for role in catalogue.roles:
        account = role.account
        label = (account.alias or account.id) if account is not None else role.account_id
        append((("* " + role.name) if role.favorite else role.name, str(role.kind), label or "-",
                "yes" if role.mfa_serial is not None else "", role.role_arn or "-"))
    w0, w1, w2, w3 = (max(len(r[i]) for r in table) for i in range(4))
    out = [printable(f"{r[0].ljust(w0)}  {r[1].ljust(w1)}  {r[2].ljust(w2)}  {r[3].ljust(w3)}  {r[4]}").rstrip()
           for r in table]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_shell_init(args: argparse.Namespace) -> int:
    sys.stdout.write(export.shell_init(args.shell))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        from roleswitch.core.errors import UsageError

        raise UsageError(f"{args.port} is not a port", hint="0 (any free port) to 65535", where="--port")
    if not args.shell and not args.print_env:
        from roleswitch.cli.app import optional_module

        tui = optional_module("tui_cmds")
        run_demo = getattr(tui, "run_demo", None)
        if run_demo is not None:  # the TUI, when installed, is what bare `roleswitch demo` opens
            return int(run_demo(args) or 0)
    from roleswitch.demo.__main__ import main as demo_main

    argv = ["--print-env"] if args.print_env else ["--shell"]
    if args.fish:
        argv.append("--fish")
    if args.keep:
        argv.append("--keep")
    argv += ["--port", str(args.port)]
    return demo_main(argv)
