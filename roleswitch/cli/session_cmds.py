"""``export``, ``exec`` and ``credential-process``: get a session and hand it to a shell, a command or an SDK."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from roleswitch.cli import common
from roleswitch.core import export
from roleswitch.core.errors import RoleswitchError, UsageError


class CommandNotFound(RoleswitchError):
    """``exec``: the command to run does not exist (exit 127, like a shell)."""

    exit_code = 127


def _add_profile_command(subparsers: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand (see :func:`roleswitch.cli.app.add_command`) whose first argument is PROFILE."""
    from roleswitch.cli.app import add_command

    p = add_command(subparsers, name, **kwargs)
    p.add_argument("profile", metavar="PROFILE", help="AWS profile or roleswitch role name")
    return p


def register(subparsers: Any) -> None:
    p = _add_profile_command(
        subparsers, "export", func=cmd_export,
        help="print shell code that switches to a role (eval it)",
        description="Print the role's credentials as shell code, dotenv, JSON or credential_process output. "
                    "Served from the cache while the session is valid. Injection-proof quoting.",
        examples="""\
  eval "$(roleswitch export prod-admin)"
  roleswitch export prod-admin --format fish | source
  roleswitch export prod-admin --duration 3600 --tag ticket=OPS-12 --reason "OPS-12 restart"
  roleswitch export ci --format dotenv > .env
  roleswitch export prod-admin --write-profile prod-tmp     # write [prod-tmp] into ~/.aws/credentials
""")
    p.add_argument("--format", "-f", choices=export.FORMATS, metavar="FORMAT",
                   help=f"one of {', '.join(export.FORMATS)} (default: from $SHELL, else bash)")
    common.add_assume_options(p)
    p.add_argument("--write-profile", metavar="NAME",
                   help="write the credentials as profile NAME of the shared credentials file instead")
    p.add_argument("--force", action="store_true",
                   help="with --write-profile: overwrite a profile holding long-term keys")

    p = _add_profile_command(
        subparsers, "exec", func=cmd_exec,
        help="run a command with a role's credentials in its environment",
        description="Run CMD with the role's credentials exported (AWS_PROFILE unset). Without CMD, your "
                    "$SHELL. The command's exit status is roleswitch's.",
        examples="""\
  roleswitch exec prod-admin -- aws sts get-caller-identity
  roleswitch exec staging --duration 900 -- terraform plan
  roleswitch exec staging                                   # a subshell with the role
""")
    common.add_assume_options(p)
    p.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]",
                   help="the command to run (after --)")

    _add_profile_command(
        subparsers, "credential-process", func=cmd_credential_process,
        help="print credentials in the credential_process format (for ~/.aws/config)",
        description="For SDKs and the AWS CLI: prints {Version: 1, AccessKeyId, ..., Expiration}. Many "
                    "parallel callers make one STS call; sessions with < 11 minutes left are renewed.",
        examples="""\
  # in ~/.aws/config:
  [profile prod]
  credential_process = roleswitch credential-process prod-admin
""")


def _write(text: str) -> int:
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.force and not args.write_profile:
        raise UsageError("--force only applies with --write-profile NAME", where="export")
    if args.write_profile is not None:
        common.check_profile_name(args.write_profile, "--write-profile")
        if args.write_profile == args.profile:
            raise UsageError(f"--write-profile {args.write_profile} would overwrite the profile being used",
                             hint="pick another name", where="--write-profile")
    fmt = args.format or export.default_format(os.environ)
    options = common.assume_options(args)
    ctx = common.open_context(process=fmt == "process")
    if args.write_profile is not None and not args.force:
        _refuse_long_term_keys(ctx, args.write_profile)
    session = common.obtain(ctx, args.profile, options)
    if args.write_profile is not None:
        from roleswitch.core import paths
        from roleswitch.core.awsconfig import write_credentials_profile
        from roleswitch.core.model import format_time

        path = paths.aws_credentials_file()
        write_credentials_profile(path, args.write_profile, session.credentials, region=session.region,
                                  force=args.force)
        expires = session.credentials.expiration
        until = f", expires {format_time(expires)}" if expires else ""
        sys.stderr.write(f"roleswitch: wrote profile [{args.write_profile}] to {path}{until}\n")
        return 0
    return _write(export.render(fmt, session))


def _refuse_long_term_keys(ctx: common.Context, name: str) -> None:
    """Refuse before any STS call (write_credentials_profile checks again under its lock)."""
    from roleswitch.core.errors import ConfigError

    profile = ctx.catalogue.profiles.get(name)
    if profile is not None and profile.has_static_keys and not profile.get("aws_session_token"):
        raise ConfigError(f"profile [{name}] holds long-term access keys; refusing to overwrite them",
                          hint="pick another name, or add --force", where="--write-profile")


def cmd_credential_process(args: argparse.Namespace) -> int:
    from roleswitch.core.engine import AssumeOptions

    ctx = common.open_context(process=True)
    session = common.obtain(ctx, args.profile, AssumeOptions())
    return _write(export.render("process", session))


def exec_command(argv_command: list[str]) -> list[str]:
    command = list(argv_command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        command = [os.environ.get("SHELL") or "/bin/sh"]
    return command


def cmd_exec(args: argparse.Namespace) -> int:
    command = exec_command(args.command)
    import shutil

    if shutil.which(command[0]) is None:  # before any STS call: nothing to run, nothing to fetch
        raise CommandNotFound(f"command not found: {command[0]}", where="exec")
    options = common.assume_options(args)
    ctx = common.open_context()
    session = common.obtain(ctx, args.profile, options)
    env = dict(os.environ)
    for name, value in export.export_variables(session).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    sys.stdout.flush()
    sys.stderr.flush()
    if sys.platform == "win32":  # pragma: no cover - no exec() replacement on Windows
        import subprocess

        try:
            return subprocess.call(command, env=env)
        except FileNotFoundError:
            raise CommandNotFound(f"command not found: {command[0]}", where="exec") from None
    try:
        os.execvpe(command[0], command, env)
    except FileNotFoundError:
        raise CommandNotFound(f"command not found: {command[0]}", where="exec") from None
    except PermissionError:
        raise CommandNotFound(f"command not executable: {command[0]}", where="exec") from None
    return 0  # pragma: no cover - execvpe does not return
