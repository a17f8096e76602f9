"""What the session commands share: the assume options, building AssumeOptions, the engine, the MFA prompt."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from typing import Any

from roleswitch.core import cache as cachemod
from roleswitch.core.errors import MfaRequiredError, UsageError

_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}", re.ASCII)
_PROFILE_NAME_RE = re.compile(r"[A-Za-z0-9._@+=-]{1,64}", re.ASCII)


def tag_argument(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` -> (key, value); argparse reports a missing ``=`` as a usage error."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"'{text}' is not KEY=VALUE (e.g. --tag team=sre)")
    return key, value


def add_assume_options(parser: argparse.ArgumentParser) -> None:
    """The per-call options shared by ``export`` and ``exec`` (validated by the engine's preflight)."""
    group = parser.add_argument_group("session options")
    group.add_argument("--duration", type=int, metavar="SECONDS", dest="duration_seconds",
                       help="session length, 900..43200 (1 h max when chaining roles)")
    group.add_argument("--mfa-code", metavar="CODE", help="6-digit MFA code (prompted on the terminal if needed)")
    group.add_argument("--tag", type=tag_argument, action="append", default=[], metavar="KEY=VALUE",
                       dest="tags", help="session tag (repeatable)")
    group.add_argument("--transitive-tag", action="append", default=[], metavar="KEY", dest="transitive",
                       help="make a tag key transitive through role chaining (repeatable)")
    group.add_argument("--source-identity", metavar="ID", help="SourceIdentity (2..64 of letters, digits, _+=,.@-)")
    group.add_argument("--session-name", metavar="NAME", help="RoleSessionName (default: you@host)")
    group.add_argument("--external-id", metavar="ID", help="External ID the role's trust policy requires")
    group.add_argument("--policy-arn", action="append", default=[], metavar="ARN", dest="policy_arns",
                       help="managed session policy ARN (repeatable, at most 10)")
    group.add_argument("--policy-file", metavar="FILE", help="inline session policy (JSON file)")
    group.add_argument("--region", metavar="REGION", help="region to export and call STS in, e.g. eu-west-1")
    group.add_argument("--reason", metavar="TEXT", help="why (a ticket); required by some roles, audited")
    group.add_argument("--no-cache", action="store_true", help="always call STS (the result is still cached)")
    group.add_argument("--saml-assertion-file", metavar="FILE",
                       help="SAML roles: the IdP's base64 SAMLResponse (- reads stdin); used on a cache miss")


def assume_options(args: argparse.Namespace) -> Any:
    """AssumeOptions from parsed arguments; raises UsageError for a bad region or unreadable policy file."""
    from roleswitch.core.engine import AssumeOptions

    region = args.region
    if region is not None:
        check_region(region)
    policy_json = None
    if args.policy_file is not None:
        policy_json = _read_text(args.policy_file, "session policy file", "--policy-file")
    return AssumeOptions(
        saml_assertion=_read_saml_assertion(getattr(args, "saml_assertion_file", None)),
        duration_seconds=args.duration_seconds, mfa_code=args.mfa_code, tags=tuple(args.tags),
        transitive_tag_keys=tuple(args.transitive), source_identity=args.source_identity,
        session_name=args.session_name, external_id=args.external_id, policy_arns=tuple(args.policy_arns),
        policy_json=policy_json, region=region, reason=args.reason, use_cache=not args.no_cache)


def _read_saml_assertion(path: str | None) -> str | None:
    """The text of ``--saml-assertion-file`` (``-``: stdin). Never echoed: it is a credential."""
    if path is None:
        return None
    if path == "-":
        import sys

        try:
            return sys.stdin.read()
        except (OSError, UnicodeDecodeError, ValueError):
            raise UsageError("cannot read the SAML assertion from stdin", where="--saml-assertion-file") from None
    return _read_text(path, "SAML assertion file", "--saml-assertion-file")


def _read_text(path: str, what: str, where: str) -> str:
    """The UTF-8 text of the file at ``path`` (``~`` expanded); UsageError naming ``what`` otherwise."""
    path = os.path.expanduser(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UsageError(f"cannot read {what} {path}: {reason}", where=where) from None


def check_region(region: str, where: str = "--region") -> str:
    """``region`` if it looks like an AWS region (e.g. eu-west-1); UsageError otherwise."""
    if not _REGION_RE.fullmatch(region):
        raise UsageError(f"'{region}' is not an AWS region", hint="e.g. eu-west-1, us-east-1", where=where)
    return region


def check_profile_name(name: str, option: str) -> str:
    """A profile name we are willing to write into the credentials file."""
    if not _PROFILE_NAME_RE.fullmatch(name) or name == "default":
        raise UsageError(f"'{name}' cannot be written as a profile name",
                         hint="1..64 of letters, digits and . _ @ + = - ; not 'default'", where=option)
    return name


def prompt_mfa(serial: str) -> str:
    """Read an MFA code from the terminal (/dev/tty), never echoed; MfaRequiredError without a terminal.

    The prompt goes to the terminal, not stdout, so ``eval "$(roleswitch export P)"`` still works.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        raise MfaRequiredError(serial) from None
    os.close(fd)
    import getpass

    return getpass.getpass(f"MFA code for {serial}: ").strip()


@dataclass
class Context:
    """The loaded configuration and the objects a session command uses."""

    catalogue: Any
    cache: cachemod.CredentialCache
    engine: Any


def open_context(*, process: bool = False) -> Context:
    """Load the catalogue and build cache + engine. ``process``: credential_process margins (>= 11 min).

    Raises ConfigError for invalid configuration files.
    """
    # The stamp is taken before reading the files: one changed meanwhile makes entries stale, never fresh.
    stamp = cachemod.config_stamp()
    from roleswitch.core.catalogue import load_catalogue
    from roleswitch.core.engine import Engine

    catalogue = load_catalogue()
    margin = int(getattr(getattr(catalogue.settings, "defaults", None), "refresh_margin_seconds", 300))
    read_margin = max(margin, cachemod.PROCESS_MARGIN_SECONDS) if process else margin
    cache = cachemod.CredentialCache(margin_seconds=read_margin, record_margin=margin, stamp=stamp)
    engine = Engine(catalogue, cache, settings=catalogue.settings, prompt_mfa=prompt_mfa)
    return Context(catalogue=catalogue, cache=cache, engine=engine)


def obtain(ctx: Context, profile: str, options: Any) -> Any:
    """The session for ``profile`` (cache or STS); the entry is left stamped for the fast path."""
    role = ctx.catalogue.get(profile)
    if str(role.kind) == "federation":  # e.g. no session policy: say so (stderr keeps `eval` working)
        import sys

        for note in ctx.engine.preflight(role, options).notes:
            sys.stderr.write(f"roleswitch: warning: {note}\n")
    return ctx.engine.obtain(role, options)
