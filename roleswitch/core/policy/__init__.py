"""IAM policies, locally: the evaluator ("can I?"), the action catalogue, trust-policy lint, role policy fetch.

Importing this package is cheap (stdlib only): the catalogue's data and boto3 load lazily where needed.
"""

from roleswitch.core.policy.evaluator import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    MatchedStatement,
    NamedPolicy,
    Request,
    compile_policy,
    context_from_session,
    evaluate,
    load_policy_text,
    normalize_context,
    resources_allowing,
    session_context,
)

__all__ = [
    "ALLOWED",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "Decision",
    "MatchedStatement",
    "NamedPolicy",
    "Request",
    "compile_policy",
    "context_from_session",
    "evaluate",
    "load_policy_text",
    "normalize_context",
    "resources_allowing",
    "session_context",
]
