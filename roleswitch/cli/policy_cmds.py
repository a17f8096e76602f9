"""Policy commands: ``can-i`` (the local IAM evaluator, with AWS's simulator as a second opinion).

``register(subparsers)`` adds every policy command defined here: ``_register_can_i`` and, when present,
``_register_lint`` (written by the trust-lint side), so both live in one module without stepping on each
other. Errors are raised as RoleswitchError and printed as one line by cli/app.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from roleswitch.core.errors import UsageError

_ACTION_RE = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9_-]+", re.ASCII)

CAN_I_EXAMPLES = """\
  roleswitch can-i prod-admin s3:GetObject arn:aws:s3:::my-bucket/key
  roleswitch can-i prod-admin ec2:CreateTags --context aws:TagKeys=team --context aws:TagKeys=env
  roleswitch can-i --policy-file admin.json --boundary-file boundary.json iam:CreateUser
  roleswitch can-i --policy-file p.json s3:GetObject 'arn:aws:s3:::b/home/bob/x' \\
      --context aws:username=bob --json

exit status: 0 allowed, 1 denied (implicitly or explicitly), 2 bad input, 3 configuration, 4 AWS.
"""


def register(subparsers: Any) -> None:
    """Add the policy commands (``can-i``; ``lint`` when this module defines it)."""
    for name in ("_register_can_i", "_register_lint"):
        fn = globals().get(name)
        if fn is not None:
            fn(subparsers)


def _register_can_i(subparsers: Any) -> None:
    from roleswitch.cli.app import add_command

    p = add_command(
        subparsers, "can-i", func=cmd_can_i,
        help="would IAM allow ACTION on RESOURCE? (local evaluator, AWS simulator when permitted)",
        description="Evaluate an action against a role's policies (PROFILE form: read from IAM, with the "
                    "permissions boundary, session policies and session tags) or against policy files. "
                    "An explicit Deny wins; otherwise identity policies, the boundary and session policies "
                    "must all allow. With PROFILE, iam:SimulatePrincipalPolicy is asked too when permitted "
                    "and both answers are shown when they differ.",
        examples=CAN_I_EXAMPLES)
    p.usage = ("%(prog)s PROFILE ACTION [RESOURCE] [--context KEY=VALUE]... [--json] [--no-simulate]\n"
               "       %(prog)s --policy-file F [--policy-file F2]... [--boundary-file B] "
               "[--session-policy-file S]...\n"
               "                        ACTION [RESOURCE] [--context KEY=VALUE]... [--json]")
    p.add_argument("target", nargs="+", metavar="[PROFILE] ACTION [RESOURCE]",
                   help="PROFILE (omit with --policy-file), an action like s3:GetObject, a resource ARN "
                        "(default *)")
    p.add_argument("--policy-file", action="append", default=[], metavar="FILE", dest="policy_files",
                   help="identity policy JSON file (repeatable); replaces PROFILE")
    p.add_argument("--boundary-file", metavar="FILE", help="permissions boundary JSON file")
    p.add_argument("--session-policy-file", action="append", default=[], metavar="FILE",
                   dest="session_policy_files", help="session policy JSON file (repeatable)")
    p.add_argument("--context", action="append", default=[], metavar="KEY=VALUE", dest="context",
                   help="request context value (repeat a KEY for a multivalued key such as aws:TagKeys)")
    p.add_argument("--json", action="store_true", help='print {"decision": ..., "matched": [...]}')
    p.add_argument("--no-simulate", action="store_true",
                   help="with PROFILE: do not ask iam:SimulatePrincipalPolicy")


# --------------------------------------------------------------------------------------------- input

def parse_context(pairs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``KEY=VALUE`` strings -> context; a repeated KEY (any case) collects several values.

    Raises UsageError naming the bad pair and the expected form.
    """
    context: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"'{pair}' is not KEY=VALUE", hint="e.g. --context aws:SourceIp=203.0.113.7",
                             where="--context")
        service, colon, name = key.partition(":")
        if not colon or not service or not name or any(c.isspace() for c in service):
            raise UsageError(f"'{key}' is not a condition key", hint="KEY is service:name, e.g. aws:SourceIp, "
                             "s3:prefix, aws:PrincipalTag/team", where="--context")
        lowered = key.lower()
        names.setdefault(lowered, key)
        context[names[lowered]] = context.get(names[lowered], ()) + (value,)
    return context


def _split_target(args: argparse.Namespace) -> tuple[str | None, str, str]:
    """(profile, action, resource) from the positional words, checked against the form in use."""
    words = list(args.target)
    file_form = bool(args.policy_files)
    if not file_form and (args.boundary_file or args.session_policy_files):
        raise UsageError("--boundary-file and --session-policy-file need --policy-file", where="can-i")
    expected = "ACTION [RESOURCE]" if file_form else "PROFILE ACTION [RESOURCE]"
    low, high = (1, 2) if file_form else (2, 3)
    if not low <= len(words) <= high:
        raise UsageError(f"expected {expected}, got {len(words)} argument{'s' if len(words) != 1 else ''}",
                         hint="see 'roleswitch can-i --help'", where="can-i")
    if file_form and len(words) == 2 and _ACTION_RE.fullmatch(words[1]) and not _ACTION_RE.fullmatch(words[0]):
        raise UsageError(f"--policy-file replaces PROFILE ('{words[0]}')", hint="give ACTION [RESOURCE] only",
                         where="can-i")
    profile = None if file_form else words.pop(0)
    action = words[0]
    resource = words[1] if len(words) > 1 else "*"
    if not _ACTION_RE.fullmatch(action):
        raise UsageError(f"'{action}' is not an action", hint="one action as service:Action, e.g. "
                         "s3:GetObject; no wildcards", where="can-i")
    if not resource.strip():
        raise UsageError("RESOURCE is empty", hint="an ARN or *", where="can-i")
    return profile, action, resource


def _read_policy(path: str, option: str, name: str) -> Any:
    from roleswitch.core.policy.evaluator import load_policy_text

    expanded = os.path.expanduser(path)
    try:
        with open(expanded, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else "not UTF-8 text"
        raise UsageError(f"cannot read policy file {path}: {reason}", where=option) from None
    return load_policy_text(text, name=name)


def _policy_names(paths: Sequence[str]) -> list[str]:
    """Report policies by file name; the path as given when two files share a name."""
    bases = [os.path.basename(p) or p for p in paths]
    return [b if bases.count(b) == 1 else p for b, p in zip(bases, paths, strict=True)]


# -------------------------------------------------------------------------------------------- output

def _describe(decision: Any) -> list[str]:
    lines = []
    for m in decision.matched:
        statement = f"statement #{m.statement}" if isinstance(m.statement, int) else f"statement {m.statement}"
        where = "" if m.source == "identity" else f" ({m.source})"
        lines.append(f"  {m.effect}: {m.policy} {statement}{where}")
    return lines


def render_text(decision: Any, request: Any, *, simulator: Any = None, warnings: Sequence[str] = (),
                specific_resources: Sequence[str] = ()) -> str:
    """The human answer: decision, why, the deciding statements, the simulator's view, warnings.

    ``specific_resources``: where statements would allow the action when RESOURCE was left at ``*``.
    """
    lines = [f"{decision.decision}: {request.action} on {request.resource}"]
    if decision.reason and not decision.matched:
        lines.append(f"  {decision.reason}")
    lines += _describe(decision)
    if specific_resources and decision.decision == "implicitDeny":
        shown = ", ".join(specific_resources[:3]) + (", ..." if len(specific_resources) > 3 else "")
        lines.append(f"  hint: statements allow it on specific resources ({shown}): give RESOURCE")
    if simulator is not None:
        if simulator.decision is None:
            lines.append(f"  ({simulator.note})")
        elif simulator.decision.decision == decision.decision:
            lines.append(f"IAM policy simulator agrees: {simulator.decision.decision}"
                         + (f" ({simulator.note})" if simulator.note else ""))
        else:
            lines.append(f"IAM policy simulator DIFFERS: {simulator.decision.decision} "
                         f"(local evaluator: {decision.decision})"
                         + (f"; {simulator.note}" if simulator.note else ""))
            lines += _describe(simulator.decision)
            if simulator.missing_context:
                lines.append("  the simulator lacked context: " + ", ".join(simulator.missing_context))
    lines += [f"warning: {w}" for w in warnings]
    return "\n".join(lines) + "\n"


def render_json(decision: Any, *, simulator: Any = None, warnings: Sequence[str] = (),
                profile_form: bool = False) -> str:
    """``{"decision", "matched"}``; the PROFILE form adds ``simulator`` (or null) and ``warnings``."""
    data: dict[str, Any] = decision.to_dict()
    if profile_form:
        sim = simulator.decision if simulator is not None else None
        data["simulator"] = sim.to_dict() if sim is not None else None
        if simulator is not None and simulator.note:
            data["simulator_note"] = simulator.note
        data["warnings"] = list(warnings)
    return json.dumps(data, indent=2) + "\n"


# ------------------------------------------------------------------------------------------- command

def cmd_can_i(args: argparse.Namespace) -> int:
    """Run ``can-i``; exit 0 when allowed, 1 when denied."""
    from roleswitch.core.policy.evaluator import Request, evaluate, resources_allowing

    profile, action, resource = _split_target(args)
    context = parse_context(args.context)
    simulator = None
    warnings: list[str] = []
    if profile is None:
        names = _policy_names(args.policy_files)
        identity = [_read_policy(p, "--policy-file", n) for p, n in zip(args.policy_files, names, strict=True)]
        boundary = (_read_policy(args.boundary_file, "--boundary-file", os.path.basename(args.boundary_file))
                    if args.boundary_file else None)
        session = [_read_policy(p, "--session-policy-file", n) for p, n in
                   zip(args.session_policy_files, _policy_names(args.session_policy_files), strict=True)]
        request = Request(action, resource, context)
    else:
        identity, boundary, session, request, simulator, warnings = _profile_inputs(
            profile, action, resource, context, simulate=not args.no_simulate)
    decision = evaluate(request, identity, boundary=boundary, session_policies=session)
    if args.json:
        out = render_json(decision, simulator=simulator, warnings=warnings, profile_form=profile is not None)
    else:
        specific = resources_allowing(action, identity) if resource == "*" and not decision.allowed else ()
        out = render_text(decision, request, simulator=simulator, warnings=warnings, specific_resources=specific)
    sys.stdout.write(out)
    sys.stdout.flush()
    return 0 if decision.allowed else 1


def _profile_inputs(profile: str, action: str, resource: str, context: dict[str, tuple[str, ...]], *,
                    simulate: bool) -> tuple[Any, Any, Any, Any, Any, list[str]]:
    """Policies, request and simulator answer for a catalogue role: its session is obtained (cache or STS),
    its policies read from IAM (the session first, then its source profile), session tags and the role's
    tags become aws:PrincipalTag/*."""
    from roleswitch.cli import common
    from roleswitch.core.engine import AssumeOptions
    from roleswitch.core.errors import StsError
    from roleswitch.core.policy.evaluator import Request, session_context
    from roleswitch.core.policy.fetch import fetch_role_policies_with, role_readers, session_policies

    ctx = common.open_context()
    role = ctx.catalogue.get(profile)
    if not role.role_arn:
        raise UsageError(f"profile {profile} is not a role", hint="can-i PROFILE needs a role profile; "
                         "use --policy-file for other identities", where="can-i")
    session = common.obtain(ctx, profile, AssumeOptions())
    region = session.region or role.region or "us-east-1"
    # The role session reads first, then the source profile (fetch decides per part who may read it).
    clients, notes, _ = role_readers(ctx.engine, role, session, region=region)
    iam = clients[0][1] if clients else None
    policies = fetch_role_policies_with(clients, role.role_arn)
    warnings = list(notes) + list(policies.problems)
    if not policies.identity and policies.problems:
        raise StsError(f"cannot read the policies of {role.role_arn}: " + "; ".join(policies.problems),
                       hint="use --policy-file with the policy documents", where="can-i")
    session_pols, problems = session_policies(_role_policy_json(role), role.policy_arns, iam,
                                              label="the role session")
    warnings += problems
    base = session_context(session, role_tags=policies.tags, region=region, extra=context)
    if role.account_id and "aws:principalaccount" not in base:
        base["aws:principalaccount"] = (role.account_id,)
    if "aws:principalarn" not in base:
        base["aws:principalarn"] = (role.role_arn,)
    request = Request(action, resource, base)
    simulator = None
    if simulate and iam is not None:
        from roleswitch.core.policy.simulate import simulate_principal

        simulator = simulate_principal(iam, role.role_arn, request, session_policies=session_pols)
    return policies.identity, policies.boundary, session_pols, request, simulator, warnings


def _role_policy_json(role: Any) -> str | None:
    """The inline session policy the role is configured with (policy_file), if any and readable."""
    path = getattr(role, "policy_file", None)
    if not path:
        return None
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read the role's session policy file {path}: {exc.strerror}",
                         where=f"roles.{role.name}.policy_file") from None


# ``lint`` lives in lint_cmd.py (the trust-lint side); register() finds it through this name.
from roleswitch.cli.lint_cmd import _register_lint  # noqa: E402,F401
