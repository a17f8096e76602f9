"""A role's trust report: its policies read from IAM, lint findings, the trust policy in plain words and the
preflight ("will you be let in?"). One code path for every view that shows them (the trust screen, the
assume dialog): call :func:`read_trust_report` off the UI thread.

Never raises for IAM or STS trouble: what could not be read is worded in ``problems``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from roleswitch.core.model import Role


@dataclass
class TrustData:
    """What the trust views show, computed off the UI thread."""

    policies: Any                     # fetch.RolePolicies
    findings: list[Any]               # lint.Finding
    who: list[str]                    # plain-words lines
    caller: str | None
    prediction: Any                   # lint.TrustPrediction
    problems: list[str] = field(default_factory=list)

    @property
    def trust_readable(self) -> bool:
        """The trust policy itself was read (other parts may still be missing)."""
        return getattr(self.policies, "trust", None) is not None


def analyse(role: Role, policies: Any, *, caller: str | None, settings: Any = None,
            problems: list[str] | None = None) -> TrustData:
    """Lint, plain words and preflight for a role whose policies were fetched (pure; used by the worker)."""
    from roleswitch.core.policy.fetch import account_names_from, own_accounts_from
    from roleswitch.core.policy.lint import (
        INFO,
        Finding,
        TrustPrediction,
        lint_role,
        predict_trust,
        trust_in_words,
    )

    accounts = getattr(settings, "accounts", {}) or {}
    names = account_names_from(accounts)
    defaults = getattr(settings, "defaults", None)
    source_identity = role.source_identity or None
    if source_identity is None and getattr(defaults, "source_identity", False):
        source_identity = "you"  # the engine sends the user's name: any value exercises the same checks
    findings = lint_role(role, policies, known_accounts=own_accounts_from(accounts), account_names=names,
                         source_identity=bool(source_identity))
    all_problems = list(dict.fromkeys([*(problems or []), *policies.problems]))
    if all_problems:
        findings.append(Finding("incomplete", INFO, "not everything could be read: " + "; ".join(all_problems)))
    who = trust_in_words(policies.trust, role_account=role.account_id, account_names=names)
    if caller is None:
        prediction = TrustPrediction(None, ["your identity is unknown (no source profile roleswitch can ask "
                                            "without prompting)"])
    else:
        prediction = predict_trust(policies.trust, caller, external_id=role.external_id,
                                   mfa_present=bool(role.mfa_serial), tags=role.session_tags,
                                   source_identity=source_identity,
                                   transitive_tag_keys=role.transitive_tag_keys)
    return TrustData(policies, findings, who, caller, prediction, all_problems)


def engine_settings(engine: Any) -> Any:
    """The settings an engine was built with (its catalogue's), or None."""
    return getattr(getattr(engine, "catalogue", None), "settings", None) or getattr(engine, "settings", None)


def read_trust_report(role: Role, engine: Any = None, session: Any = None, *, assume: bool = True,
                      cache: Any = None, refresh: bool = False) -> TrustData:
    """Read ``role``'s policies (with the live ``session``, the source profile, and - when ``assume`` - a
    role session from the engine) and the caller's identity, then :func:`analyse` them. Blocking (IAM and
    STS calls): run it in a worker thread. Never raises for AWS trouble.

    ``assume=False`` never obtains a session just to read IAM (the assume dialog must not call AssumeRole
    before the user asks for it)."""
    from roleswitch.core.policy.fetch import RolePolicies, read_role_policies, source_caller

    problems: list[str] = []
    if not role.role_arn:
        policies = RolePolicies(role_arn="", problems=[f"{role.name} is not a role: it has no trust policy"])
    else:
        policies, notes, _ = read_role_policies(engine, role, session, assume=assume, cache=cache,
                                                refresh=refresh)
        problems += notes
    caller, _ = source_caller(role)
    return analyse(role, policies, caller=caller, settings=engine_settings(engine), problems=problems)
