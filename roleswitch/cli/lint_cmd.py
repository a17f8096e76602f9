"""``roleswitch lint [PROFILE...] [--json]``: who can assume each role, and what is risky in its trust.

Registered by :func:`roleswitch.cli.policy_cmds.register` through ``_register_lint``. Exit status: 0 no high
finding, 1 at least one high finding, 2 bad input, 3 configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

LINT_EXAMPLES = """\
  roleswitch lint                       # every role in the catalogue
  roleswitch lint staging-legacy partner-audit
  roleswitch lint --json | jq '.[] | select(.severity == "high")'
  roleswitch lint --no-assume           # read IAM with cached sessions and source profiles only

rules: confused-deputy, wildcard-principal, account-root-principal, oidc-missing-sub, oidc-missing-aud,
  saml-missing-aud, service-missing-source, no-mfa-privileged, weak-mfa-condition, long-session-privileged,
  missing-tag-session, missing-set-source-identity, no-trust-policy, nobody-can-assume, incomplete
exit status: 0 no high finding, 1 a high finding, 2 bad input, 3 configuration.
"""


def _register_lint(subparsers: Any) -> None:
    from roleswitch.cli.app import add_command

    p = add_command(
        subparsers, "lint", func=cmd_lint,
        help="trust-policy lint: who can assume each role, confused deputy, wildcard principals, MFA",
        description="Read each role's trust policy, policies and MaxSessionDuration from IAM (with the role "
                    "session when one can be had without an MFA code, else the source profile) and report "
                    "risky trust: third parties without sts:ExternalId, Principal *, whole accounts, OIDC "
                    "without sub/aud, SAML without aud, privileged roles without MFA or with long "
                    "sessions, and local session tags / source identity the trust policy would refuse.",
        examples=LINT_EXAMPLES)
    p.add_argument("profiles", nargs="*", metavar="PROFILE", help="roles to lint (default: every role)")
    p.add_argument("--json", action="store_true",
                   help='print a list of {"profile", "role_arn", "rule", "severity", "message", "statement"}')
    p.add_argument("--no-assume", action="store_true",
                   help="do not obtain role sessions to read IAM (cached sessions are still used)")


def lint_catalogue_role(ctx: Any, role: Any, *, assume: bool) -> tuple[list[Any], Any, list[str]]:
    """(findings, RolePolicies, notes) for one catalogue role. Never raises for IAM problems."""
    from roleswitch.core.policy.fetch import (
        PolicyCache,
        account_names_from,
        own_accounts_from,
        read_role_policies,
    )
    from roleswitch.core.policy.lint import INFO, Finding, lint_role

    settings = getattr(ctx.catalogue, "settings", None)
    accounts = getattr(settings, "accounts", {}) or {}
    names = account_names_from(accounts)
    defaults = getattr(settings, "defaults", None)
    # The engine sends the default SourceIdentity only on AssumeRole: SAML and web identity sessions take it
    # from the assertion / token, so their trust policies need no sts:SetSourceIdentity for it.
    by_default = str(getattr(role, "kind", "")) not in ("saml", "web_identity")
    source_identity = bool(role.source_identity) or (by_default and bool(getattr(defaults, "source_identity", False)))
    policies, notes, _ = read_role_policies(ctx.engine, role, assume=assume, cache=PolicyCache())
    findings = lint_role(role, policies, known_accounts=own_accounts_from(accounts), account_names=names,
                         source_identity=source_identity)
    problems = list(dict.fromkeys([*notes, *policies.problems]))
    if problems:
        findings.append(Finding("incomplete", INFO, "not everything could be read: " + "; ".join(problems)))
    return findings, policies, problems


def cmd_lint(args: argparse.Namespace) -> int:
    from roleswitch.cli import common
    from roleswitch.core.errors import UsageError
    from roleswitch.core.policy.lint import trust_in_words

    ctx = common.open_context()
    if args.profiles:
        roles = [ctx.catalogue.get(name) for name in args.profiles]
        for role in roles:
            if not role.role_arn:
                raise UsageError(f"profile {role.name} is not a role", hint="lint needs profiles with a role_arn",
                                 where="lint")
    else:
        roles = [role for role in ctx.catalogue.roles if role.role_arn]
    results = [(role, *lint_catalogue_role(ctx, role, assume=not args.no_assume)) for role in roles]
    high = any(f.severity == "high" for _, findings, _, _ in results for f in findings)
    if args.json:
        payload = [f.to_json(profile=role.name, role_arn=role.role_arn)
                   for role, findings, _, _ in results for f in findings]
        out = json.dumps(payload, indent=2) + "\n"
    else:
        settings = getattr(ctx.catalogue, "settings", None)
        from roleswitch.core.policy.fetch import account_names_from

        names = account_names_from(getattr(settings, "accounts", {}) or {})
        lines: list[str] = []
        for role, findings, policies, _ in results:
            lines.append(f"{role.name}  {role.role_arn}")
            for sentence in trust_in_words(policies.trust, role_account=role.account_id, account_names=names):
                lines.append(f"  {sentence}")
            if not findings:
                lines.append("  ok: no findings")
            for f in findings:
                where = f"  [statement {f.sid}]" if f.sid else ""
                lines.append(f"  {f.severity.upper():<6} {f.rule}: {f.message}{where}")
            lines.append("")
        total = sum(len(findings) for _, findings, _, _ in results)
        lines.append(f"{len(results)} role{'s' if len(results) != 1 else ''}, {total} finding"
                     f"{'s' if total != 1 else ''}" + (", at least one high" if high else ""))
        out = "\n".join(lines) + "\n"
    sys.stdout.write(out)
    sys.stdout.flush()
    return 1 if high else 0
