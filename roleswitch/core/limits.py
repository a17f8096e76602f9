"""AWS STS limits as data, and pure validators that enforce them before any call.

STS (and moto, our local AWS) accept or ignore many bad values: these validators are the only place that
enforces them. Every error names the limit that was broken, what is allowed, and where. Values that are
secrets (External ID, MFA code) are never echoed back in a message.

Stdlib only; fast to import.
"""

from __future__ import annotations

import getpass
import json
import re
import socket
import unicodedata
from collections.abc import Sequence

from roleswitch.core.errors import ValidationError

# Durations (seconds).
MIN_DURATION = 900
MAX_ROLE_DURATION = 43200           # AssumeRole* upper bound (the role's MaxSessionDuration may be lower)
DEFAULT_MAX_SESSION_DURATION = 3600  # a role's MaxSessionDuration unless its owner raised it
MAX_CHAINED_DURATION = 3600         # role chaining: STS caps the session at one hour
MAX_USER_SESSION_DURATION = 129600  # GetSessionToken / GetFederationToken for IAM users (36 h)
# GetFederationToken: 900..129600 s with IAM user keys (AWS default 43200); root keys are capped at 3600.
MAX_FEDERATION_DURATION = MAX_USER_SESSION_DURATION
MAX_FEDERATION_ROOT_DURATION = 3600
# AWS grants a GetFederationToken session the intersection of the IAM user's policies and the session
# policies passed; with none passed the session has no permissions at all.
FEDERATION_NO_POLICY = ("has no session policy (policy_file or policy_arns): a GetFederationToken session "
                        "without one has no permissions at all")

# Identifiers.
SESSION_NAME_MIN, SESSION_NAME_MAX = 2, 64
SOURCE_IDENTITY_MIN, SOURCE_IDENTITY_MAX = 2, 64
EXTERNAL_ID_MIN, EXTERNAL_ID_MAX = 2, 1224
FEDERATION_NAME_MIN, FEDERATION_NAME_MAX = 2, 32
MFA_SERIAL_MIN, MFA_SERIAL_MAX = 9, 256
SAML_ASSERTION_MIN, SAML_ASSERTION_MAX = 4, 100000  # AssumeRoleWithSAML SAMLAssertion (base64 characters)

# Session tags.
MAX_TAGS = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256

# Session policies.
MAX_POLICY_CHARS = 2048
MAX_POLICY_ARNS = 10

# AWS's \w is ASCII only, so every pattern is compiled with re.ASCII.
_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)
_SESSION_NAME_BAD = re.compile(r"[^\w+=,.@-]", re.ASCII)
_EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]+", re.ASCII)
_MFA_CODE_RE = re.compile(r"[0-9]{6}", re.ASCII)
_MFA_SERIAL_RE = re.compile(r"[\w+=/:,.@-]+", re.ASCII)
_MFA_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:mfa/[\w+=,.@/-]{1,512}", re.ASCII)
_ROLE_ARN_RE = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):role/"
    r"(?P<path>(?:[\x21-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})",
    re.ASCII,
)
_POLICY_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::(?:[0-9]{12}|aws):policy/[\x21-\x7e]{1,512}", re.ASCII)
_PROVIDER_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:saml-provider/[\w+=,.@-]{1,128}", re.ASCII)

SESSION_NAME_CHARS = "letters, digits and _+=,.@-"
EXTERNAL_ID_CHARS = "letters, digits and _+=,.@:/-"
TAG_CHARS = "letters, digits, spaces and _.:/=+-@"

TAG_CHARSET_EXTRA = frozenset("_.:/=+-@")


def _where(where: str | None, default: str) -> str:
    return where or default


def validate_duration(
    seconds: int,
    *,
    max_session: int | None = None,
    chained: bool = False,
    where: str | None = None,
    maximum: int = MAX_ROLE_DURATION,
) -> int:
    """Check a session duration: 900..``maximum`` s, <= the role's MaxSessionDuration when known,
    <= 3600 s for a chained role session. Returns ``seconds``; raises ValidationError naming the limit.
    """
    place = _where(where, "duration")
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValidationError(f"duration must be a whole number of seconds, got {seconds!r}",
                              hint=f"allowed: {MIN_DURATION}..{maximum} s", where=place)
    if seconds < MIN_DURATION or seconds > maximum:
        raise ValidationError(
            f"duration {seconds} s is outside the STS limit of {MIN_DURATION}..{maximum} s "
            f"({MIN_DURATION // 60} min..{maximum // 3600} h)", where=place)
    if chained and seconds > MAX_CHAINED_DURATION:
        raise ValidationError(
            f"duration {seconds} s is above the {MAX_CHAINED_DURATION} s (1 hour) limit for chained role "
            "sessions: the source credentials come from another role",
            hint="AWS caps role chaining at 1 hour; ask for 3600 s or less", where=place)
    if max_session is not None and seconds > max_session:
        raise ValidationError(
            f"duration {seconds} s is above the role's MaxSessionDuration of {max_session} s",
            hint="ask for less, or have the role's owner raise its maximum session duration", where=place)
    return seconds


def _check_identifier(value: str, *, what: str, low: int, high: int, pattern: re.Pattern[str],
                      chars: str, where: str | None, secret: bool = False) -> str:
    place = _where(where, what)
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text", where=place)
    if not low <= len(value) <= high:
        raise ValidationError(f"{what} is {len(value)} characters; STS allows {low}..{high}", where=place)
    if not pattern.fullmatch(value):
        shown = "" if secret else f" {value!r}"
        raise ValidationError(f"{what}{shown} has characters STS rejects", hint=f"allowed: {chars}",
                              where=place)
    return value


def validate_session_name(name: str, *, where: str | None = None) -> str:
    """RoleSessionName: 2..64 characters of ``[\\w+=,.@-]``. Raises ValidationError."""
    return _check_identifier(name, what="RoleSessionName", low=SESSION_NAME_MIN, high=SESSION_NAME_MAX,
                             pattern=_SESSION_NAME_RE, chars=SESSION_NAME_CHARS, where=where)


def validate_source_identity(value: str, *, where: str | None = None) -> str:
    """SourceIdentity: 2..64 characters of ``[\\w+=,.@-]``. Raises ValidationError."""
    return _check_identifier(value, what="SourceIdentity", low=SOURCE_IDENTITY_MIN, high=SOURCE_IDENTITY_MAX,
                             pattern=_SESSION_NAME_RE, chars=SESSION_NAME_CHARS, where=where)


def validate_federation_name(name: str, *, where: str | None = None) -> str:
    """GetFederationToken Name: 2..32 characters of ``[\\w+=,.@-]``. Raises ValidationError."""
    return _check_identifier(name, what="federation Name", low=FEDERATION_NAME_MIN, high=FEDERATION_NAME_MAX,
                             pattern=_SESSION_NAME_RE, chars=SESSION_NAME_CHARS, where=where)


def validate_external_id(value: str, *, where: str | None = None) -> str:
    """ExternalId: 2..1224 characters of ``[\\w+=,.@:/-]``. The value never appears in the message."""
    return _check_identifier(value, what="ExternalId", low=EXTERNAL_ID_MIN, high=EXTERNAL_ID_MAX,
                             pattern=_EXTERNAL_ID_RE, chars=EXTERNAL_ID_CHARS, where=where, secret=True)


def validate_mfa_code(code: str, *, where: str | None = None) -> str:
    """MFA TokenCode: exactly 6 digits (surrounding spaces are removed). Returns the clean code."""
    place = _where(where, "MFA code")
    clean = code.strip() if isinstance(code, str) else ""
    if not _MFA_CODE_RE.fullmatch(clean):
        raise ValidationError("MFA code must be exactly 6 digits", where=place)
    return clean


def validate_mfa_serial(serial: str, *, where: str | None = None) -> str:
    """MFA SerialNumber: an ``arn:aws:iam::123456789012:mfa/name`` ARN or a hardware token serial
    (9..256 characters of ``[\\w+=/:,.@-]``). Raises ValidationError."""
    place = _where(where, "mfa_serial")
    if not isinstance(serial, str) or not MFA_SERIAL_MIN <= len(serial) <= MFA_SERIAL_MAX:
        raise ValidationError(f"mfa_serial must be {MFA_SERIAL_MIN}..{MFA_SERIAL_MAX} characters",
                              hint="e.g. arn:aws:iam::123456789012:mfa/alice", where=place)
    if serial.startswith("arn:"):
        if not _MFA_ARN_RE.fullmatch(serial):
            raise ValidationError(f"mfa_serial {serial!r} is not an MFA device ARN",
                                  hint="expected arn:aws:iam::<12-digit account>:mfa/<name>", where=place)
    elif not _MFA_SERIAL_RE.fullmatch(serial):
        raise ValidationError(f"mfa_serial {serial!r} has characters STS rejects",
                              hint="allowed: letters, digits and _+=/:,.@-", where=place)
    return serial


def validate_role_arn(arn: str, *, where: str | None = None) -> str:
    """A role ARN: ``arn:<partition>:iam::<12 digits>:role/[path/]name`` (name 1..64 of ``[\\w+=,.@-]``)."""
    place = _where(where, "role_arn")
    if not isinstance(arn, str) or not _ROLE_ARN_RE.fullmatch(arn):
        raise ValidationError(f"role ARN {arn!r} is not well formed",
                              hint="expected arn:aws:iam::<12-digit account>:role/[path/]<name>", where=place)
    return arn


def validate_policy_arns(arns: Sequence[str], *, where: str | None = None) -> tuple[str, ...]:
    """Session PolicyArns: at most 10 managed policy ARNs. Raises ValidationError."""
    place = _where(where, "policy_arns")
    if len(arns) > MAX_POLICY_ARNS:
        raise ValidationError(f"{len(arns)} policy ARNs given; STS allows at most {MAX_POLICY_ARNS}",
                              where=place)
    for arn in arns:
        if not _POLICY_ARN_RE.fullmatch(arn):
            raise ValidationError(f"policy ARN {arn!r} is not well formed",
                                  hint="expected arn:aws:iam::<account or aws>:policy/<name>", where=place)
    return tuple(arns)


def validate_principal_arn(arn: str, *, where: str | None = None) -> str:
    """A SAML provider ARN: ``arn:aws:iam::<12 digits>:saml-provider/<name>``."""
    place = _where(where, "principal_arn")
    if not _PROVIDER_ARN_RE.fullmatch(arn or ""):
        raise ValidationError(f"SAML provider ARN {arn!r} is not well formed",
                              hint="expected arn:aws:iam::<12-digit account>:saml-provider/<name>", where=place)
    return arn


def normalise_saml_assertion(text: str, *, where: str | None = None) -> str:
    """The base64 SAMLResponse STS wants, from what an IdP tool prints: surrounding and embedded whitespace
    (line-wrapped base64) removed, a URL-encoded form field decoded, raw ``<samlp:Response>`` XML encoded.

    Checks 4..100000 characters of base64. The assertion is a credential: it is never part of a message.
    Raises ValidationError.
    """
    import base64
    import binascii

    place = _where(where, "SAML assertion")
    if not isinstance(text, str):
        raise ValidationError("the SAML assertion must be text", where=place)
    clean = text.strip()
    if clean.startswith("<"):  # the decoded XML itself (e.g. copied from a SAML tracer)
        clean = base64.b64encode(clean.encode("utf-8")).decode("ascii")
    else:
        if "%" in clean:  # the SAMLResponse form field as posted (URL-encoded)
            from urllib.parse import unquote

            clean = unquote(clean)
        clean = "".join(clean.split())
    if not clean:
        raise ValidationError("the SAML assertion is empty",
                              hint="the IdP's base64 SAMLResponse is expected", where=place)
    try:
        base64.b64decode(clean, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("the SAML assertion is not base64 (nor SAML XML)",
                              hint="give the IdP's SAMLResponse value: base64 of <samlp:Response>",
                              where=place) from None
    if not SAML_ASSERTION_MIN <= len(clean) <= SAML_ASSERTION_MAX:
        raise ValidationError(f"the SAML assertion is {len(clean)} characters of base64; STS allows "
                              f"{SAML_ASSERTION_MIN}..{SAML_ASSERTION_MAX}", where=place)
    return clean


def normalise_policy(text: str, *, where: str | None = None) -> str:
    """Parse an inline session policy and return it minified; at most 2048 characters once minified.

    Raises ValidationError when it is not a JSON object or is too long.
    """
    place = _where(where, "policy")
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"session policy is not valid JSON ({exc})", where=place) from None
    if not isinstance(document, dict):
        raise ValidationError("session policy must be a JSON object with a Statement", where=place)
    compact = json.dumps(document, separators=(",", ":"))
    if len(compact) > MAX_POLICY_CHARS:
        raise ValidationError(
            f"session policy is {len(compact)} characters minified; STS allows at most {MAX_POLICY_CHARS}",
            hint="move statements into managed policies and pass them as policy ARNs", where=place)
    return compact


def _tag_char_ok(char: str) -> bool:
    # AWS pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]: any letter, separator (space) or number, plus the extras.
    return char in TAG_CHARSET_EXTRA or unicodedata.category(char)[0] in "LZN"


def _bad_tag_chars(text: str) -> str:
    return "".join(sorted({c for c in text if not _tag_char_ok(c)}))


def tag_problems(tags: Sequence[tuple[str, str]], transitive: Sequence[str] = ()) -> list[tuple[int | None, str]]:
    """Every problem with a set of session tags, as ``(row index or None, message)`` for a live view."""
    problems: list[tuple[int | None, str]] = []
    if len(tags) > MAX_TAGS:
        problems.append((None, f"{len(tags)} session tags; STS allows at most {MAX_TAGS}"))
    seen: dict[str, int] = {}
    for row, (key, value) in enumerate(tags):
        if not 1 <= len(key) <= TAG_KEY_MAX:
            problems.append((row, f"tag key is {len(key)} characters; allowed 1..{TAG_KEY_MAX}"))
        elif bad := _bad_tag_chars(key):
            problems.append((row, f"tag key {key!r} has characters STS rejects ({bad!r}); allowed: {TAG_CHARS}"))
        if key.lower().startswith("aws:"):
            problems.append((row, f"tag key {key!r} uses the reserved aws: prefix"))
        if len(value) > TAG_VALUE_MAX:
            problems.append((row, f"tag {key!r} value is {len(value)} characters; allowed 0..{TAG_VALUE_MAX}"))
        elif bad := _bad_tag_chars(value):
            problems.append((row, f"tag {key!r} value has characters STS rejects ({bad!r}); allowed: {TAG_CHARS}"))
        folded = key.lower()
        if folded in seen:
            problems.append((row, f"tag key {key!r} repeats row {seen[folded] + 1}; keys are unique ignoring case"))
        else:
            seen[folded] = row
    if len(transitive) > MAX_TAGS:
        problems.append((None, f"{len(transitive)} transitive tag keys; STS allows at most {MAX_TAGS}"))
    for key in transitive:
        if key.lower() not in seen:
            problems.append((None, f"transitive tag key {key!r} is not among the session tags"))
    return problems


def validate_tags(tags: Sequence[tuple[str, str]], transitive: Sequence[str] = (), *,
                  where: str | None = None) -> None:
    """Session tags: at most 50; key 1..128 and value 0..256 of ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``; keys unique
    ignoring case; no ``aws:`` prefix; transitive keys among the tags. Raises ValidationError (first problem).
    """
    problems = tag_problems(tags, transitive)
    if problems:
        row, message = problems[0]
        place = _where(where, "tags") + (f"[{row + 1}]" if row is not None else "")
        more = len(problems) - 1
        raise ValidationError(message, where=place, hint=f"{more} more problem(s)" if more else None)


def sanitise_session_name(text: str) -> str:
    """Make any text a valid RoleSessionName: disallowed characters become ``-``, cut to 64, padded to 2."""
    clean = _SESSION_NAME_BAD.sub("-", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())
    clean = clean.strip("-")[:SESSION_NAME_MAX] or "roleswitch"
    return clean if len(clean) >= SESSION_NAME_MIN else (clean + "--")[:SESSION_NAME_MIN]


def local_user() -> str:
    """The local login name, ``user`` when it cannot be determined."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "user"


def local_host() -> str:
    """The short host name (up to the first dot), ``host`` when unknown."""
    return socket.gethostname().split(".", 1)[0] or "host"


def default_session_name(user: str | None = None, host: str | None = None) -> str:
    """A RoleSessionName that names the human: ``user@host`` sanitised to ``[\\w+=,.@-]`` and cut to 64."""
    user = user if user is not None else local_user()
    host = host if host is not None else local_host()
    # Keep the user whole when possible: CloudTrail readers look for the person, the host is secondary.
    user_part = sanitise_session_name(user)
    host_part = _SESSION_NAME_BAD.sub("-", host).strip("-")
    name = f"{user_part}@{host_part}" if host_part else user_part
    return sanitise_session_name(name)


def sanitise_tag_value(text: str) -> str:
    """Make free text (a reason, a ticket) a valid session tag value: characters STS rejects become spaces,
    runs of spaces collapse, cut to 256."""
    clean = "".join(c if _tag_char_ok(c) else " " for c in text)
    return " ".join(clean.split())[:TAG_VALUE_MAX]
