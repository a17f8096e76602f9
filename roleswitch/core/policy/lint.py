"""Trust-policy analysis: who can assume a role (in plain words), lint findings, and a preflight prediction.

Pure functions over policy documents (dicts): no boto3, no I/O. The findings name the statement they come
from so a user can fix the exact line. moto does not enforce trust policies, so :func:`predict_trust` is the
only thing that tells a user *before* AssumeRole whether their identity and inputs will be let in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from roleswitch.core.policy.catalog import glob_match

HIGH, MEDIUM, LOW, INFO = "high", "medium", "low", "info"
SEVERITIES: tuple[str, ...] = (HIGH, MEDIUM, LOW, INFO)

#: Stable rule ids (the ``rule`` field of ``roleswitch lint --json``) and what each one checks.
RULES: dict[str, str] = {
    "confused-deputy": "cross-account or third-party principal without an sts:ExternalId condition",
    "wildcard-principal": "Principal * without a condition restricting who the caller is",
    "account-root-principal": "a whole account trusted (root principal) without conditions",
    "oidc-missing-sub": "OIDC web identity trust without a <provider>:sub condition",
    "oidc-missing-aud": "OIDC web identity trust without a <provider>:aud condition",
    "saml-missing-aud": "SAML trust without a SAML:aud condition",
    "service-missing-source": "AWS service principal without aws:SourceAccount / aws:SourceArn",
    "no-mfa-privileged": "privileged role assumable by IAM principals without an MFA condition",
    "weak-mfa-condition": "MFA checked with BoolIfExists, which lets long-term keys in without MFA",
    "long-session-privileged": "privileged role with MaxSessionDuration over 1 hour",
    "missing-tag-session": "session tags configured locally, trust policy lacks sts:TagSession",
    "missing-set-source-identity": "source identity configured locally, trust lacks sts:SetSourceIdentity",
    "no-trust-policy": "the trust policy could not be read",
    "nobody-can-assume": "no Allow statement grants an assume action",
    "incomplete": "some of the role's IAM data could not be read (which permission, what is still known)",
}

_ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
# Condition keys that pin down which principal may call (they make a "*" principal safe).
_RESTRICTING_KEYS = frozenset({
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:userid", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:principalservicename", "aws:calledvia",
})
_PRIVILEGED_MANAGED = {
    "arn:aws:iam::aws:policy/administratoraccess": "AdministratorAccess",
    "arn:aws:iam::aws:policy/iamfullaccess": "IAMFullAccess",
    "arn:aws:iam::aws:policy/poweruseraccess": None,  # not privileged by our definition: no IAM
}
_ARN_RE = re.compile(r"^arn:(?P<partition>[^:]+):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):"
                     r"(?P<resource>.*)$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Finding:
    """One lint result: a stable ``rule`` id, its ``severity``, a plain ``message`` and the statement."""

    rule: str
    severity: str
    message: str
    statement: Mapping[str, Any] | None = None

    @property
    def sid(self) -> str | None:
        return None if self.statement is None else self.statement.get("Sid")

    def to_json(self, *, profile: str | None, role_arn: str | None) -> dict[str, Any]:
        """The object ``roleswitch lint --json`` prints for this finding (External ID values redacted)."""
        return {"profile": profile, "role_arn": role_arn, "rule": self.rule, "severity": self.severity,
                "message": self.message, "statement": redact_statement(self.statement)}


REDACTED = "****"


def redact_statement(statement: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A copy of a statement with every sts:ExternalId condition value replaced by ``****``.

    The External ID a trust policy expects is the same secret the user configures; it must not reach
    output, logs or screenshots.
    """
    if statement is None:
        return None
    out = dict(statement)
    block = statement.get("Condition")
    if isinstance(block, Mapping):
        new_block: dict[str, Any] = {}
        for op, pairs in block.items():
            if isinstance(pairs, Mapping):
                new_block[op] = {key: (REDACTED if str(key).lower() == "sts:externalid" else value)
                                 for key, value in pairs.items()}
            else:
                new_block[op] = pairs
        out["Condition"] = new_block
    return out


@dataclass(frozen=True)
class TrustEntry:
    """One trusted party in plain words: ``who``, the assume ``actions`` and the ``conditions`` it must meet."""

    who: str
    kind: str                 # "account" | "role" | "user" | "service" | "oidc" | "saml" | "anyone" | "other"
    principal: str
    actions: tuple[str, ...]
    conditions: tuple[str, ...]
    statement_index: int
    effect: str = "Allow"


@dataclass(frozen=True)
class TrustPrediction:
    """Whether AssumeRole is predicted to pass the trust policy (``None``: cannot tell) and why."""

    allowed: bool | None
    reasons: list[str] = field(default_factory=list)


# -- document helpers -------------------------------------------------------------------------------------

def as_document(doc: Mapping[str, Any] | str | None) -> dict[str, Any] | None:
    """A policy document as a dict (accepts JSON text, URL-encoded JSON as IAM returns it, or a dict)."""
    if doc is None:
        return None
    if isinstance(doc, Mapping):
        return dict(doc)
    text = doc.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        from urllib.parse import unquote

        text = unquote(text)
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a policy document must be a JSON object")
    return value


def statements(doc: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The statements of a document as a list (a single statement object is allowed by IAM)."""
    if not doc:
        return []
    raw = doc.get("Statement", [])
    if isinstance(raw, Mapping):
        return [dict(raw)]
    return [dict(s) for s in raw if isinstance(s, Mapping)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def principals(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(type, value) pairs of a statement's Principal; ``("*", "*")`` for ``"Principal": "*"``."""
    raw = statement.get("Principal")
    if raw is None:
        return []
    if raw == "*":
        return [("*", "*")]
    if isinstance(raw, Mapping):
        return [(str(kind), str(value)) for kind, values in raw.items() for value in _as_list(values)]
    return []


def statement_actions(statement: Mapping[str, Any]) -> list[str]:
    """The Action patterns of a statement ([] when it uses NotAction)."""
    return [str(a) for a in _as_list(statement.get("Action"))]


def allows_action(statement: Mapping[str, Any], action: str) -> bool:
    """True when the statement's Action / NotAction covers ``action`` (wildcards, any case)."""
    if "NotAction" in statement:
        return not any(glob_match(str(p), action) for p in _as_list(statement["NotAction"]))
    return any(glob_match(str(p), action) for p in _as_list(statement.get("Action")))


def condition_entries(statement: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(operator, key, values) for each condition of a statement; values as strings."""
    out: list[tuple[str, str, list[str]]] = []
    block = statement.get("Condition") or {}
    if not isinstance(block, Mapping):
        return out
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            continue
        for key, values in pairs.items():
            out.append((str(operator), str(key), [_str(v) for v in _as_list(values)]))
    return out


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _keys(statement: Mapping[str, Any]) -> set[str]:
    return {key.lower() for _, key, _ in condition_entries(statement)}


def parse_arn(arn: str) -> dict[str, str] | None:
    """The parts of an ARN (partition, service, region, account, resource), ``None`` when not an ARN."""
    match = _ARN_RE.match(arn)
    return match.groupdict() if match else None


def principal_account(value: str) -> str | None:
    """The account of an AWS principal (an ARN or a bare 12-digit id)."""
    if _ACCOUNT_RE.match(value):
        return value
    parts = parse_arn(value)
    return parts["account"] or None if parts else None


def _is_root(value: str) -> bool:
    return bool(_ACCOUNT_RE.match(value)) or (value.startswith("arn:") and value.endswith(":root"))


def _label(account: str | None, names: Mapping[str, str]) -> str:
    if account is None:
        return "an unknown account"
    name = names.get(account)
    return f"account {account} ({name})" if name else f"account {account}"


# -- plain words ------------------------------------------------------------------------------------------

def _describe_condition(operator: str, key: str, values: Sequence[str]) -> str:
    lkey = key.lower()
    shown = ", ".join(values[:4]) + (" ..." if len(values) > 4 else "")
    if lkey == "sts:externalid":
        return "an External ID is given" if "Null" in operator else "the caller gives the agreed External ID"
    if lkey == "aws:multifactorauthpresent":
        if "IfExists" in operator:
            return "MFA is used when present (BoolIfExists: long-term keys pass without MFA)"
        return "the caller signed in with MFA" if values == ["true"] else f"MFA present is {shown}"
    if lkey == "aws:multifactorauthage":
        return f"MFA was used within {shown} seconds"
    if lkey == "aws:principalorgid":
        return f"the caller is in organisation {shown}"
    if lkey.startswith("aws:requesttag/"):
        return f"session tag {key.split('/', 1)[1]} is {shown}"
    if lkey == "aws:tagkeys":
        return f"session tag keys are among {shown}"
    if lkey.endswith(":sub"):
        return f"the token subject matches {shown}"
    if lkey.endswith(":aud") or lkey == "saml:aud":
        return f"the audience is {shown}"
    if lkey in ("aws:sourceaccount", "aws:sourcearn"):
        return f"the request comes on behalf of {shown}"
    if lkey == "aws:principalarn":
        return f"the caller is {shown}"
    return f"{key} {operator} {shown}"


def describe_principal(kind: str, value: str, *, role_account: str | None = None,
                       account_names: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(kind, plain words) for one principal, e.g. ``("role", "the IAM role Deployer in account 1111")``."""
    names = account_names or {}
    if kind == "*" or value == "*":
        return "anyone", "anyone: every AWS account and identity (public)"
    if kind == "Service":
        return "service", f"the AWS service {value}"
    if kind == "Federated":
        if ":oidc-provider/" in value:
            return "oidc", f"web identities from the OIDC provider {value.split(':oidc-provider/', 1)[1]}"
        if ":saml-provider/" in value:
            return "saml", f"users signed in through the SAML provider {value.split(':saml-provider/', 1)[1]}"
        return "oidc", f"web identities from {value}"
    if kind == "AWS":
        account = principal_account(value)
        where = _label(account, names) + (" (this account)" if account and account == role_account else "")
        if _is_root(value):
            return "account", f"any IAM identity in {where} whose own policies allow sts:AssumeRole"
        parts = parse_arn(value)
        if parts:
            resource = parts["resource"]
            if resource.startswith("role/"):
                return "role", f"the IAM role {resource.rsplit('/', 1)[-1]} in {where}"
            if resource.startswith("user/"):
                return "user", f"the IAM user {resource.rsplit('/', 1)[-1]} in {where}"
            if resource.startswith("assumed-role/"):
                return "role", f"the role session {resource.split('/', 1)[1]} in {where}"
        return "other", f"the principal {value}"
    return "other", f"{kind} principal {value}"


def describe_trust(trust: Mapping[str, Any] | None, *, role_account: str | None = None,
                   account_names: Mapping[str, str] | None = None) -> list[TrustEntry]:
    """Who can assume the role, one :class:`TrustEntry` per principal of each Allow/Deny statement."""
    entries: list[TrustEntry] = []
    for index, st in enumerate(statements(trust)):
        effect = str(st.get("Effect", "Allow"))
        actions = tuple(statement_actions(st)) or tuple(f"NOT {a}" for a in _as_list(st.get("NotAction")))
        conditions = tuple(_describe_condition(op, key, vals) for op, key, vals in condition_entries(st))
        for kind, value in principals(st):
            pkind, words = describe_principal(kind, value, role_account=role_account, account_names=account_names)
            entries.append(TrustEntry(words, pkind, value, actions, conditions, index, effect))
    return entries


def trust_in_words(trust: Mapping[str, Any] | None, *, role_account: str | None = None,
                   account_names: Mapping[str, str] | None = None) -> list[str]:
    """One sentence per trusted party, e.g. "Can assume: the IAM role Ci in account 1111, only when ..."."""
    lines = []
    for entry in describe_trust(trust, role_account=role_account, account_names=account_names):
        verb = "Can assume" if entry.effect == "Allow" else "Denied"
        line = f"{verb}: {entry.who}"
        if entry.conditions:
            line += ", only when " + " and ".join(entry.conditions)
        lines.append(line)
    return lines


# -- privileged roles -------------------------------------------------------------------------------------

def _policy_parts(policy: Any) -> tuple[str, str | None, Mapping[str, Any] | None]:
    """(name, arn, document) of a NamedPolicy-like object or a plain document."""
    if isinstance(policy, Mapping):
        return "", None, policy
    name = str(getattr(policy, "name", "") or "")
    arn = getattr(policy, "arn", None)
    doc = getattr(policy, "document", None)
    return name, arn, doc


def privileged_reason(identity_policies: Iterable[Any]) -> str | None:
    """Why a role counts as privileged (AdministratorAccess, IAMFullAccess, ``*`` or ``iam:*`` on ``*``),
    or ``None``."""
    for policy in identity_policies:
        name, arn, doc = _policy_parts(policy)
        if arn and arn.lower() in _PRIVILEGED_MANAGED and _PRIVILEGED_MANAGED[arn.lower()]:
            return f"it has the {_PRIVILEGED_MANAGED[arn.lower()]} policy"
        if name in ("AdministratorAccess", "IAMFullAccess") and (arn is None or ":aws:policy/" in arn):
            return f"it has the {name} policy"
        for st in statements(doc):
            if st.get("Effect") != "Allow" or "NotResource" in st or st.get("Condition"):
                continue
            resources = [str(r) for r in _as_list(st.get("Resource"))]
            if "*" not in resources:
                continue
            if "NotAction" in st:
                label = name or "an inline policy"
                return f"{label} allows every action except {', '.join(map(str, _as_list(st['NotAction'])))}"
            for action in statement_actions(st):
                if action in ("*", "*:*") or action.lower() == "iam:*":
                    return f"{name or 'a policy'} allows {action} on *"
    return None


# -- lint -------------------------------------------------------------------------------------------------

def _mfa_state(st: Mapping[str, Any]) -> str:
    """'strong' (Bool/NumericLessThan MFA), 'weak' (BoolIfExists), or 'none'."""
    state = "none"
    for op, key, values in condition_entries(st):
        lkey = key.lower()
        if lkey == "aws:multifactorauthpresent" and values == ["true"]:
            if "ifexists" in op.lower():
                state = "weak" if state == "none" else state
            else:
                return "strong"
        if lkey == "aws:multifactorauthage" and op.lower().startswith("numeric"):
            return "strong"
        if op.lower() == "null" and lkey == "aws:multifactorauthage" and values == ["false"]:
            return "strong"
    return state


def _deny_without_mfa(trust: Mapping[str, Any] | None) -> bool:
    """A Deny statement that blocks sts:AssumeRole when MFA is missing enforces MFA for every statement."""
    for st in statements(trust):
        if st.get("Effect") != "Deny" or not allows_action(st, "sts:AssumeRole"):
            continue
        for op, key, values in condition_entries(st):
            lkey, lop = key.lower(), op.lower()
            if lkey == "aws:multifactorauthpresent" and values == ["false"] and lop.startswith("bool"):
                return True
            if lkey == "aws:multifactorauthpresent" and values == ["true"] and lop == "null":
                return True
    return False


def _lint_statement(st: dict[str, Any], *, role_account: str | None, known: set[str],
                    names: Mapping[str, str], privileged: str | None, mfa_enforced: bool) -> list[Finding]:
    findings: list[Finding] = []
    keys = _keys(st)
    has_conditions = bool(keys)
    has_external_id = "sts:externalid" in keys
    restricted = bool(keys & _RESTRICTING_KEYS)
    aws_principal = False
    for kind, value in principals(st):
        if kind == "*" or value == "*":
            aws_principal = True
            if restricted:
                continue
            findings.append(Finding(
                "wildcard-principal", HIGH,
                "Principal * lets any AWS identity in any account assume this role"
                + (" (its conditions do not say who the caller must be: add aws:PrincipalOrgID or"
                   " aws:PrincipalArn)" if has_conditions else "; restrict it with aws:PrincipalOrgID,"
                   " aws:PrincipalAccount or aws:PrincipalArn"), st))
        elif kind == "AWS":
            aws_principal = True
            account = principal_account(value)
            cross = account is not None and role_account is not None and account != role_account
            if cross and not has_external_id:
                third_party = account not in known
                findings.append(Finding(
                    "confused-deputy", HIGH if third_party else LOW,
                    (f"{'third-party ' if third_party else ''}{_label(account, names)} is trusted without an "
                     "sts:ExternalId condition: anyone that account acts for could trick it into using this role"
                     " (confused deputy); require StringEquals sts:ExternalId"), st))
            # Cross-account roots without conditions are already a confused-deputy finding.
            if _is_root(value) and not has_conditions and not cross:
                findings.append(Finding(
                    "account-root-principal", MEDIUM,
                    f"every IAM identity in {_label(account, names)} whose own policies allow sts:AssumeRole can"
                    " assume this role, with no condition; name the roles or users (aws:PrincipalArn)", st))
        elif kind == "Federated" and ":oidc-provider/" in value:
            provider = value.split(":oidc-provider/", 1)[1]
            prefix = provider.lower() + ":"
            sub_values = [v for op, k, vals in condition_entries(st) if k.lower() == prefix + "sub" for v in vals]
            if not sub_values:
                findings.append(Finding(
                    "oidc-missing-sub", HIGH,
                    f"any identity with a token from {provider} can assume this role: add a {provider}:sub "
                    "condition naming the allowed subject (e.g. repo:org/repo:ref:refs/heads/main)", st))
            elif any(v.strip() in ("*", "repo:*") for v in sub_values):
                findings.append(Finding(
                    "oidc-missing-sub", HIGH,
                    f"the {provider}:sub condition matches every subject ({', '.join(sub_values)})", st))
            if prefix + "aud" not in keys and not (provider == "cognito-identity.amazonaws.com"
                                                   and "cognito-identity.amazonaws.com:aud" in keys):
                findings.append(Finding(
                    "oidc-missing-aud", MEDIUM,
                    f"no {provider}:aud condition: tokens minted for other audiences are accepted", st))
        elif kind == "Federated" and ":saml-provider/" in value:
            if "saml:aud" not in keys:
                findings.append(Finding(
                    "saml-missing-aud", MEDIUM,
                    "no SAML:aud condition: assertions meant for other service providers are accepted; add "
                    "StringEquals SAML:aud https://signin.aws.amazon.com/saml", st))
        elif kind == "Service" and not restricted and allows_action(st, "sts:AssumeRole"):
            if not value.startswith(("ec2.", "lambda.", "ecs-tasks.", "edgelambda.")):
                findings.append(Finding(
                    "service-missing-source", LOW,
                    f"{value} can assume this role for any account's resources; add aws:SourceAccount or "
                    "aws:SourceArn", st))
    if privileged and aws_principal and not mfa_enforced:
        mfa = _mfa_state(st)
        if mfa == "none":
            findings.append(Finding(
                "no-mfa-privileged", HIGH,
                f"privileged role ({privileged}) can be assumed without MFA; add Bool aws:MultiFactorAuthPresent"
                " true", st))
        elif mfa == "weak":
            findings.append(Finding(
                "weak-mfa-condition", MEDIUM,
                f"privileged role ({privileged}) checks MFA with BoolIfExists: long-term access keys pass without"
                " MFA; use Bool", st))
    return findings


def _grants(trust: Mapping[str, Any] | None, action: str) -> bool:
    return any(st.get("Effect") == "Allow" and allows_action(st, action) for st in statements(trust))


def lint_trust(trust: Mapping[str, Any] | str | None, *, role_account: str | None = None,
               identity_policies: Iterable[Any] = (), max_session_duration: int | None = None,
               session_tags: bool = False, source_identity: bool = False,
               known_accounts: Iterable[str] = (), account_names: Mapping[str, str] | None = None,
               ) -> list[Finding]:
    """Lint a trust policy (plus what is known of the role and the local config); findings, worst first.

    ``known_accounts`` are the user's own accounts (any other account is a third party); ``account_names``
    only label accounts in messages. Raises ValueError when ``trust`` is
    text that is not a JSON object.
    """
    doc = as_document(trust)
    names = dict(account_names or {})
    known = set(known_accounts)
    if role_account:
        known.add(role_account)
    privileged = privileged_reason(identity_policies)
    findings: list[Finding] = []
    if doc is None:
        findings.append(Finding("no-trust-policy", INFO,
                                "the trust policy could not be read, so who can assume this role is unknown"))
    else:
        allows = [st for st in statements(doc) if st.get("Effect") == "Allow"]
        if not any(allows_action(st, a) for st in allows for a in _ASSUME_ACTIONS):
            findings.append(Finding("nobody-can-assume", INFO,
                                    "no Allow statement grants sts:AssumeRole or a federated assume action"))
        mfa_enforced = _deny_without_mfa(doc)
        for st in allows:
            if not any(allows_action(st, a) for a in _ASSUME_ACTIONS):
                continue  # e.g. a statement granting only sts:TagSession: judged with the assume statements
            findings.extend(_lint_statement(st, role_account=role_account, known=known, names=names,
                                            privileged=privileged, mfa_enforced=mfa_enforced))
        if session_tags and not _grants(doc, "sts:TagSession"):
            findings.append(Finding(
                "missing-tag-session", MEDIUM,
                "session tags are configured for this role but the trust policy does not allow sts:TagSession: "
                "AssumeRole will be denied; add sts:TagSession to the statement's Action"))
        if source_identity and not _grants(doc, "sts:SetSourceIdentity"):
            findings.append(Finding(
                "missing-set-source-identity", MEDIUM,
                "a source identity is configured but the trust policy does not allow sts:SetSourceIdentity: "
                "AssumeRole will be denied; add sts:SetSourceIdentity to the statement's Action"))
    if privileged and max_session_duration is not None and max_session_duration > 3600:
        findings.append(Finding(
            "long-session-privileged", MEDIUM,
            f"privileged role ({privileged}) allows sessions of {max_session_duration // 3600} h "
            f"{max_session_duration % 3600 // 60:02d} min (MaxSessionDuration {max_session_duration} s); "
            "keep it at 1 hour so leaked credentials expire fast"))
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by rule id (stable for equal keys)."""
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.rule))


def lint_role(role: Any, role_policies: Any, *, known_accounts: Iterable[str] = (),
              account_names: Mapping[str, str] | None = None, source_identity: bool | None = None,
              ) -> list[Finding]:
    """Lint one catalogue :class:`~roleswitch.core.model.Role` with its fetched ``RolePolicies``.

    ``source_identity`` overrides whether a source identity will be sent (settings default); by default it
    is sent when the role names one. Never raises on a damaged document: that becomes an info finding.
    """
    arn = getattr(role, "role_arn", None)
    parts = parse_arn(arn) if arn else None
    role_account = parts["account"] if parts else None
    account = getattr(role, "account", None)
    names = dict(account_names or {})
    if account is not None and getattr(account, "alias", None):
        names.setdefault(account.id, account.alias)
    send_source_identity = bool(getattr(role, "source_identity", None)) if source_identity is None \
        else source_identity
    web_identity = bool(getattr(role, "web_identity_token_file", None)) or str(getattr(role, "kind", "")) == \
        "web_identity"
    if web_identity:
        # AssumeRoleWithWebIdentity sends no tags or SourceIdentity of ours: they come from the token's claims.
        send_source_identity = False
    trust = getattr(role_policies, "trust", None) if role_policies is not None else None
    identity = list(getattr(role_policies, "identity", []) or []) if role_policies is not None else []
    try:
        return lint_trust(trust, role_account=role_account, identity_policies=identity,
                          max_session_duration=getattr(role_policies, "max_session_duration", None),
                          session_tags=bool(getattr(role, "session_tags", ())) and not web_identity,
                          source_identity=send_source_identity, known_accounts=known_accounts,
                          account_names=names)
    except ValueError as exc:
        return [Finding("no-trust-policy", INFO, f"the trust policy is not valid JSON: {exc}")]


# -- preflight: will the trust policy let this caller in? ------------------------------------------------

# Context keys the preflight knows the value (or the absence) of; a condition on any other key (e.g.
# aws:PrincipalOrgID, aws:SourceIp) makes the prediction "cannot tell" rather than a guess.
_MODELLED_KEYS = ("sts:externalid", "aws:multifactorauthpresent", "aws:requesttag/", "aws:tagkeys",
                  "sts:transitivetagkeys", "sts:sourceidentity", "aws:principalarn", "aws:principalaccount",
                  "aws:principaltype", "aws:username", "sts:rolesessionname")


def _modelled(key: str) -> bool:
    return any(key == k or (k.endswith("/") and key.startswith(k)) for k in _MODELLED_KEYS)


def _caller_parts(caller_arn: str) -> tuple[str | None, str, str | None]:
    """(account, kind, principal ARN) of a caller: kind "user", "role" (a role session), "root", "other"."""
    parts = parse_arn(caller_arn)
    if not parts:
        return None, "other", None
    account, resource = parts["account"] or None, parts["resource"]
    partition = parts["partition"]
    if resource.startswith("assumed-role/"):
        role = resource.split("/")[1]
        return account, "role", f"arn:{partition}:iam::{account}:role/{role}"
    if resource.startswith("user/"):
        return account, "user", caller_arn
    if resource == "root":
        return account, "root", caller_arn
    if resource.startswith("role/"):
        return account, "role", caller_arn
    return account, "other", caller_arn


def _principal_matches(st: Mapping[str, Any], caller_arn: str, account: str | None, kind: str,
                       principal_arn: str | None) -> str | None:
    """How the statement's Principal names the caller ("anyone", "account", "exact") or ``None``."""
    for ptype, value in principals(st):
        if ptype == "*" or value == "*":
            return "anyone"
        if ptype != "AWS":
            continue
        if _is_root(value):
            if principal_account(value) == account:
                return "account"
            continue
        if value == caller_arn or (principal_arn and value == principal_arn):
            return "exact"
        parts = parse_arn(value)
        # A trusted role ARN may carry a path (role/team/Name); the session ARN never does.
        if (parts and kind == "role" and parts["account"] == account and parts["resource"].startswith("role/")
                and principal_arn and parts["resource"].rsplit("/", 1)[-1] == principal_arn.rsplit("/", 1)[-1]):
            return "exact"
    return None


def _why_not(key: str, key_name: str, op: str, values: Sequence[str], context: Mapping[str, Any]) -> str:
    """A plain reason for a failed condition. Never shows the caller's External ID (a secret)."""
    present = bool(context.get(key))
    shown = ", ".join(values[:4])
    if key == "sts:externalid":
        return ("the trust policy requires an External ID (sts:ExternalId) and none is configured for this role"
                if not present else "the External ID configured for this role is not the one the trust policy"
                                    " expects")
    if key == "aws:multifactorauthpresent" or key == "aws:multifactorauthage":
        return "the trust policy requires MFA: set mfa_serial for this role and give a code"
    if key.startswith("aws:requesttag/"):
        tag = key_name.split("/", 1)[1]
        return (f"the trust policy requires session tag {tag} ({op} {shown}) and it is not set" if not present
                else f"session tag {tag} must match {op} {shown}")
    if key == "aws:tagkeys":
        return f"session tag keys must satisfy {op} {shown}"
    if key == "sts:transitivetagkeys":
        return f"transitive tag keys must satisfy {op} {shown}"
    if key == "sts:sourceidentity":
        return (f"the trust policy requires a source identity ({op} {shown})" if not present
                else f"the source identity must match {op} {shown}")
    if key in ("aws:principalarn", "aws:username", "aws:principalaccount"):
        return f"only callers matching {key_name} {op} {shown} are let in"
    return f"the condition {op} {key_name} {shown} is not met"


def _test_conditions(st: Mapping[str, Any], index: int, context: Mapping[str, tuple[str, ...]],
                     ) -> tuple[bool | None, list[str]]:
    """(True/False/None, reasons) for a statement's conditions against the predicted context."""
    block = st.get("Condition")
    if not block:
        return True, []
    from roleswitch.core.errors import ValidationError
    from roleswitch.core.policy.conditions import compile_condition_block

    try:
        compiled = compile_condition_block(block, variables=True, where=f"trust policy statement {index}")
    except ValidationError as exc:
        return None, [f"statement {index} cannot be read: {exc.one_line()}"]
    failed: list[str] = []
    unknown: list[str] = []
    for condition in compiled:
        if not _modelled(condition.key) and condition.key not in context:
            unknown.append(f"roleswitch cannot know {condition.key_name} before the call "
                           f"({condition.operator.name} {', '.join(condition.values[:3])})")
            continue
        result = condition.test(context)
        if result is None:
            unknown.append(f"a policy variable in {condition.key_name} cannot be resolved")
        elif not result:
            failed.append(_why_not(condition.key, condition.key_name, condition.operator.name,
                                   condition.values, context))
    if failed:
        return False, failed
    if unknown:
        return None, unknown
    return True, []


def predict_trust(trust_doc: Mapping[str, Any] | str | None, caller_arn: str, *, external_id: str | None = None,
                  mfa_present: bool = False, tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
                  source_identity: str | None = None, transitive_tag_keys: Iterable[str] = (),
                  session_name: str | None = None, extra_context: Mapping[str, Any] | None = None,
                  ) -> TrustPrediction:
    """Predict whether AssumeRole by ``caller_arn`` with these inputs passes the role's trust policy.

    ``allowed`` is True (the trust policy lets the caller in), False (it does not; ``reasons`` say why in
    plain words) or None (it depends on something roleswitch cannot see, such as aws:PrincipalOrgID, or the
    trust policy is unknown). Only the trust policy is judged: for a principal named by account, the caller's
    own IAM policies must also allow sts:AssumeRole on the role (said in ``reasons``). Never raises.
    """
    try:
        doc = as_document(trust_doc)
    except ValueError as exc:
        return TrustPrediction(None, [f"the trust policy is not valid JSON: {exc}"])
    if doc is None:
        return TrustPrediction(None, ["the trust policy could not be read, so roleswitch cannot predict"])
    from roleswitch.core.policy.evaluator import normalize_context

    tag_pairs = list(tags.items()) if isinstance(tags, Mapping) else list(tags)
    account, kind, principal_arn = _caller_parts(caller_arn)
    raw: dict[str, Any] = {}
    if external_id:
        raw["sts:ExternalId"] = external_id
    if mfa_present:
        raw["aws:MultiFactorAuthPresent"] = "true"
    elif kind == "role":
        # Long-term keys send no MFA key at all; a role session says "false" explicitly.
        raw["aws:MultiFactorAuthPresent"] = "false"
    for key, value in tag_pairs:
        raw[f"aws:RequestTag/{key}"] = value
    if tag_pairs:
        raw["aws:TagKeys"] = [k for k, _ in tag_pairs]
    transitive = list(transitive_tag_keys)
    if transitive:
        raw["sts:TransitiveTagKeys"] = transitive
    if source_identity:
        raw["sts:SourceIdentity"] = source_identity
    if session_name:
        raw["sts:RoleSessionName"] = session_name
    if principal_arn:
        raw["aws:PrincipalArn"] = principal_arn
    if account:
        raw["aws:PrincipalAccount"] = account
    raw["aws:PrincipalType"] = {"user": "User", "role": "AssumedRole", "root": "Account"}.get(kind, "Unknown")
    if kind == "user":
        raw["aws:username"] = caller_arn.rsplit("/", 1)[-1]
    raw.update(extra_context or {})
    context = normalize_context(raw)

    needed = ["sts:AssumeRole"]
    if tag_pairs:
        needed.append("sts:TagSession")
    if source_identity:
        needed.append("sts:SetSourceIdentity")
    # The secret itself never goes into a reason.
    reasons: list[str] = []
    sts = statements(doc)
    for index, st in enumerate(sts):
        if st.get("Effect") != "Deny":
            continue
        if not _principal_matches(st, caller_arn, account, kind, principal_arn):
            continue
        if not any(allows_action(st, a) for a in needed):
            continue
        ok, why = _test_conditions(st, index, context)
        label = st.get("Sid") or f"#{index}"
        if ok:
            return TrustPrediction(False, [f"the trust policy's Deny statement {label} applies to you"])
        if ok is None:
            reasons.append(f"Deny statement {label} may apply: " + "; ".join(why))
    results: list[bool | None] = []
    account_note = False
    for action in needed:
        best: bool | None = False
        action_reasons: list[str] = []
        named = False
        for index, st in enumerate(sts):
            if st.get("Effect") != "Allow" or not allows_action(st, action):
                continue
            how = _principal_matches(st, caller_arn, account, kind, principal_arn)
            if how is None:
                continue
            named = True
            ok, why = _test_conditions(st, index, context)
            if ok:
                best = True
                account_note = account_note or how == "account"
                break
            if ok is None:
                best = None
            action_reasons.extend(why)
        if not named:
            if action == "sts:AssumeRole":
                action_reasons.append(f"the trust policy does not name you ({caller_arn}) or your account")
            elif action == "sts:TagSession":
                action_reasons.append("session tags are set but the trust policy does not allow sts:TagSession "
                                      "for you")
            else:
                action_reasons.append("a source identity is set but the trust policy does not allow "
                                      "sts:SetSourceIdentity for you")
        results.append(best)
        if best is not True:
            reasons.extend(r for r in dict.fromkeys(action_reasons) if r not in reasons)
    if any(r is False for r in results):
        return TrustPrediction(False, reasons)
    if any(r is None for r in results) or reasons:
        return TrustPrediction(None, reasons)
    out = ["the trust policy lets you in"]
    if account_note:
        out.append("it trusts your whole account, so your own IAM policy must also allow sts:AssumeRole on"
                   " this role")
    return TrustPrediction(True, out)
