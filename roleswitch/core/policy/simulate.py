"""AWS's own answer to "can I?": ``iam:SimulatePrincipalPolicy``, best effort, next to the local evaluator.

The IAM client is injected (``session.client("iam")``); botocore is imported lazily. The simulator is often
not permitted to the identity asking: that is not an error, just no second opinion (``note`` says why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roleswitch.core.policy.evaluator import Decision, MatchedStatement, PolicyLike, Request

_DECISIONS = {"allowed": "allowed", "explicitdeny": "explicitDeny", "implicitdeny": "implicitDeny"}

# Context key types the simulator needs (ContextKeyType); every other key is sent as a string.
_KEY_TYPES = {
    "aws:sourceip": "ip", "aws:vpcsourceip": "ip",
    "aws:currenttime": "date", "aws:tokenissuetime": "date",
    "aws:epochtime": "numeric", "aws:multifactorauthage": "numeric",
    "aws:multifactorauthpresent": "boolean", "aws:securetransport": "boolean",
    "aws:viaawsservice": "boolean", "aws:principalisawsservice": "boolean",
}


@dataclass(frozen=True)
class SimulatorResult:
    """The simulator's decision (``None`` when it could not be asked) and a one-line ``note`` why not."""

    decision: Decision | None
    note: str = ""
    missing_context: tuple[str, ...] = ()


def context_entries(context: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """The request context as SimulatePrincipalPolicy ``ContextEntries`` (typed; several values -> a list)."""
    entries = []
    for key, values in context.items():
        if not values:
            continue
        kind = _KEY_TYPES.get(key.lower(), "string")
        if len(values) > 1:
            kind += "List"
        entries.append({"ContextKeyName": key, "ContextKeyValues": list(values), "ContextKeyType": kind})
    return entries


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        return str((response.get("Error") or {}).get("Code") or "") or None
    return None


def simulate_principal(iam_client: Any, principal_arn: str, request: Request, *,
                       session_policies: Sequence[PolicyLike] = ()) -> SimulatorResult:
    """Ask ``iam:SimulatePrincipalPolicy`` about ``request`` for ``principal_arn``. Never raises for AWS
    errors: AccessDenied (or any failure) gives ``decision=None`` with a one-line note.

    Session policies are NOT sent: the simulator's PolicyInputList adds policies as if attached to the
    principal (it would widen, and AWS documents that it takes no scope-down policies), so when there are
    session policies the answer ignores them and ``note`` says so.
    """
    params: dict[str, Any] = {"PolicySourceArn": principal_arn, "ActionNames": [request.action]}
    if request.resource != "*":
        params["ResourceArns"] = [request.resource]
    entries = context_entries(request.context)
    if entries:
        params["ContextEntries"] = entries
    try:
        response = iam_client.simulate_principal_policy(**params)
    except Exception as exc:  # botocore ClientError / connection errors, imported lazily by design
        code = _error_code(exc)
        if code in ("AccessDenied", "AccessDeniedException"):
            return SimulatorResult(None, "the IAM policy simulator is not permitted "
                                         "(iam:SimulatePrincipalPolicy was denied)")
        what = code or type(exc).__name__
        return SimulatorResult(None, f"the IAM policy simulator could not answer ({what})")
    results = response.get("EvaluationResults") or []
    if not results:
        return SimulatorResult(None, "the IAM policy simulator returned no result")
    result = results[0]
    decision = _DECISIONS.get(str(result.get("EvalDecision", "")).lower())
    if decision is None:
        return SimulatorResult(None, f"the IAM policy simulator answered {result.get('EvalDecision')!r}")
    matched = tuple(
        MatchedStatement(
            policy=str(m.get("SourcePolicyId") or m.get("SourcePolicyType") or "?"),
            statement=_position(m.get("StartPosition")),
            effect="Deny" if decision == "explicitDeny" else "Allow",
            source=str(m.get("SourcePolicyType") or "identity"),
        )
        for m in result.get("MatchedStatements") or []
    )
    boundary = (result.get("PermissionsBoundaryDecisionDetail") or {}).get("AllowedByPermissionsBoundary")
    reason = "the IAM policy simulator"
    if boundary is False:
        reason += ": the permissions boundary does not allow it"
    note = "the simulator does not apply session policies" if session_policies else ""
    return SimulatorResult(Decision(decision, matched, reason),  # type: ignore[arg-type]
                           note, tuple(result.get("MissingContextValues") or ()))


def _position(position: Any) -> str:
    if isinstance(position, Mapping) and "Line" in position:
        return f"line {position['Line']}"
    return "?"
