"""Who assumed a role: CloudTrail's AssumeRole* events, parsed into a secret-free record per session.

CloudTrail logs every AssumeRole, AssumeRoleWithSAML and AssumeRoleWithWebIdentity call in the region of the
STS endpoint that served it (the global endpoint logs in us-east-1), for 90 days of event history.
``LookupEvents`` takes one lookup attribute per call, so each API is asked for by ``EventName`` over the
window and the role is matched here (``requestParameters.roleArn``). It is rate limited (2 calls/s per
account and region): pages are capped and the client retries throttling with backoff.

A session is *unattributable* when nothing in it names a person: no SourceIdentity, and a RoleSessionName
that is an SDK default (``botocore-session-1700000000``, ``aws-go-sdk-...``, Granted's ``gntd-...``), a
timestamp, a UUID or a generic word. Those are the sessions a shared role cannot answer for.

Never shown: the External ID (only whether one was sent), session tag values (keys only), credentials.
The parser is pure; :func:`lookup_assume_events` takes an injected ``cloudtrail`` client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from roleswitch.core.errors import StsError
from roleswitch.core.model import format_time, parse_time

ASSUME_EVENTS = ("AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity")
PAGE_SIZE = 50          # LookupEvents' maximum
DEFAULT_MAX_PAGES = 20  # per event name and region: 1,000 events, ~10 s at the 2 calls/s rate limit

# RoleSessionNames that name no person, with what they are (checked in order, case-insensitive).
_GENERIC_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), what) for p, what in (
    (r"botocore-session-\d+", "the boto3/AWS CLI default"),
    (r"aws-(?:[a-z]+-)?sdk(?:-[a-z]+)?-\d+", "an AWS SDK default"),
    (r"gntd-.*", "Granted's default"),
    (r"\d{9,}", "a timestamp"),
    (r"\d{4}-?\d{2}-?\d{2}(?:[t_ -]?\d{2}[:.-]?\d{2}(?:[:.-]?\d{2})?(?:\.\d+)?z?)?", "a timestamp"),
    (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "a UUID"),
    (r"[0-9a-f]{16,}", "a random hex string"),
    (r"(?:session|default|assume|assumed|assumerole|assumerolesession|aws|cli|awscli|aws-cli|sdk|test|"
     r"temp|tmp|user|admin|role|roleswitch|console)[-_.]?(?:session)?[-_.]?\d*", "a generic name"),
))


def generic_name(name: str | None) -> str | None:
    """Why ``name`` (a RoleSessionName or SourceIdentity) names no person, or ``None`` when it might."""
    if not name or not name.strip():
        return "missing"
    for pattern, what in _GENERIC_NAMES:
        if pattern.fullmatch(name.strip()):
            return what
    return None


@dataclass(frozen=True)
class AssumeEvent:
    """One AssumeRole* call from CloudTrail, without secrets."""

    time: datetime
    event_name: str
    role_arn: str | None
    caller: str | None                 # userIdentity.arn; the IdP user for SAML/web identity; the service
    caller_type: str | None            # IAMUser, AssumedRole, Root, SAMLUser, WebIdentityUser, AWSService...
    session_name: str | None
    source_identity: str | None
    source_ip: str | None
    tag_keys: tuple[str, ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    external_id: bool = False          # whether an External ID was sent (never its value)
    mfa: bool = False                  # an MFA serial was sent with the call
    duration_seconds: int | None = None
    region: str | None = None
    error_code: str | None = None      # the call failed (AccessDenied...) when set
    event_id: str | None = None
    user_agent: str | None = None
    unattributable: str | None = None  # why nothing in the session names a person; None when something does

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (times as ISO 8601 UTC)."""
        return {
            "time": format_time(self.time), "event": self.event_name, "role_arn": self.role_arn,
            "caller": self.caller, "caller_type": self.caller_type, "session_name": self.session_name,
            "source_identity": self.source_identity, "source_ip": self.source_ip,
            "tag_keys": list(self.tag_keys), "transitive_tag_keys": list(self.transitive_tag_keys),
            "external_id": self.external_id, "mfa": self.mfa, "duration_seconds": self.duration_seconds,
            "region": self.region, "error_code": self.error_code, "event_id": self.event_id,
            "user_agent": self.user_agent, "attributable": self.unattributable is None,
            "unattributable_reason": self.unattributable,
        }


def attribution(event_name: str, caller_type: str | None, session_name: str | None,
                source_identity: str | None) -> str | None:
    """Why a session names no person (``None`` when it does). A SourceIdentity that is not generic settles
    it (it persists through role chaining and cannot be changed); otherwise the RoleSessionName must.
    AWS services assuming their roles are attributed to the service."""
    if caller_type == "AWSService":
        return None
    if source_identity and generic_name(source_identity) is None:
        return None
    why_name = generic_name(session_name)
    if why_name is None:
        return None
    named = f"session name is {why_name}" if session_name else "no session name"
    if event_name == "AssumeRoleWithSAML" and not session_name:
        named = "no session name in the SAML assertion"
    source = "SourceIdentity is generic" if source_identity else "no SourceIdentity"
    return f"{named} and {source}"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _caller(identity: Mapping[str, Any]) -> tuple[str | None, str | None]:
    kind = _str(identity.get("type"))
    if kind == "AWSService":
        return _str(identity.get("invokedBy")), kind
    if kind in ("SAMLUser", "WebIdentityUser"):
        user = _str(identity.get("userName")) or _str(identity.get("principalId"))
        provider = _str(identity.get("identityProvider"))
        if provider and ":oidc-provider/" in provider:
            provider = provider.split(":oidc-provider/", 1)[1]  # the issuer host says it; the ARN adds nothing
        return (f"{provider}: {user}" if provider and user else user or provider), kind
    return _str(identity.get("arn")) or _str(identity.get("principalId")), kind


def _session_name_from(arn: str | None) -> str | None:
    """``arn:aws:sts::123:assumed-role/Role/session`` -> ``session``."""
    if arn and ":assumed-role/" in arn:
        return arn.rsplit("/", 1)[-1] or None
    return None


def parse_event(record: Mapping[str, Any] | str) -> AssumeEvent | None:
    """One CloudTrail record (the dict or its JSON text, as in ``LookupEvents``' ``CloudTrailEvent``) ->
    :class:`AssumeEvent`; ``None`` for records that are not AssumeRole* calls or cannot be read."""
    if isinstance(record, str):
        try:
            record = json.loads(record)
        except ValueError:
            return None
    if not isinstance(record, Mapping):
        return None
    name = record.get("eventName")
    if name not in ASSUME_EVENTS:
        return None
    try:
        time = parse_time(str(record.get("eventTime")))
    except ValueError:
        return None
    request = _mapping(record.get("requestParameters"))
    response = _mapping(record.get("responseElements"))  # null when the call failed
    identity = _mapping(record.get("userIdentity"))
    assumed = _mapping(response.get("assumedRoleUser"))
    caller, caller_type = _caller(identity)
    session_name = _str(request.get("roleSessionName")) or _session_name_from(_str(assumed.get("arn")))
    source_identity = _str(request.get("sourceIdentity")) or _str(response.get("sourceIdentity"))
    tag_keys = tuple(str(t.get("key") or t.get("Key")) for t in _list(request.get("tags"))
                     if isinstance(t, Mapping) and (t.get("key") or t.get("Key")))
    transitive = _list(request.get("transitiveTagKeys"))
    duration = request.get("durationSeconds")
    return AssumeEvent(
        time=time, event_name=str(name), role_arn=_str(request.get("roleArn")), caller=caller,
        caller_type=caller_type, session_name=session_name, source_identity=source_identity,
        source_ip=_str(record.get("sourceIPAddress")), tag_keys=tag_keys,
        transitive_tag_keys=tuple(str(k) for k in transitive if isinstance(k, str)),
        external_id=bool(request.get("externalId")), mfa=bool(request.get("serialNumber")),
        duration_seconds=duration if isinstance(duration, int) else None,
        region=_str(record.get("awsRegion")), error_code=_str(record.get("errorCode")),
        event_id=_str(record.get("eventID")), user_agent=_str(record.get("userAgent")),
        unattributable=attribution(str(name), caller_type, session_name, source_identity),
    )


def same_role(event_role_arn: str | None, role_arn: str) -> bool:
    """True when a requested ``roleArn`` is ``role_arn``: same account and name (IAM role names are
    case-insensitive; a path may be left out of either)."""
    if not event_role_arn:
        return False
    a, b = event_role_arn.split(":", 5), role_arn.split(":", 5)
    if len(a) != 6 or len(b) != 6:
        return event_role_arn == role_arn
    return a[4] == b[4] and a[5].rsplit("/", 1)[-1].lower() == b[5].rsplit("/", 1)[-1].lower()


def events_for_role(records: Iterable[Mapping[str, Any] | str], role_arn: str) -> list[AssumeEvent]:
    """Parse CloudTrail records and keep the AssumeRole* calls for ``role_arn``, newest first, each once."""
    seen: set[str] = set()
    out: list[AssumeEvent] = []
    for record in records:
        event = parse_event(record)
        if event is None or not same_role(event.role_arn, role_arn):
            continue
        key = event.event_id or f"{event.time.isoformat()}|{event.caller}|{event.session_name}"
        if key in seen:
            continue
        seen.add(key)
        out.append(event)
    out.sort(key=lambda e: e.time, reverse=True)
    return out


@dataclass(frozen=True)
class TrailResult:
    """The events found, how many CloudTrail records were read, and whether a page cap cut the search."""

    events: list[AssumeEvent]
    scanned: int
    truncated: bool
    regions: tuple[str, ...] = ()


def lookup_assume_events(client: Any, role_arn: str, *, start: datetime, end: datetime,
                         event_names: Iterable[str] = ASSUME_EVENTS,
                         max_pages: int = DEFAULT_MAX_PAGES) -> TrailResult:
    """CloudTrail ``LookupEvents`` for each AssumeRole* event name over [start, end], paginated (at most
    ``max_pages`` pages of 50 per name), matched to ``role_arn``. Raises StsError (AccessDenied: needs
    cloudtrail:LookupEvents)."""
    from botocore.exceptions import BotoCoreError, ClientError

    records: list[str | Mapping[str, Any]] = []
    truncated = False
    for name in event_names:
        token: str | None = None
        for page_number in range(max_pages):
            params: dict[str, Any] = {
                "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
                "StartTime": start, "EndTime": end, "MaxResults": PAGE_SIZE,
            }
            if token:
                params["NextToken"] = token
            try:
                page = client.lookup_events(**params)
            except (ClientError, BotoCoreError) as exc:
                raise _trail_error(exc, role_arn) from None
            records.extend(item.get("CloudTrailEvent") or "" for item in page.get("Events", []))
            token = page.get("NextToken")
            if not token:
                break
            if page_number == max_pages - 1:
                truncated = True
    region = getattr(getattr(client, "meta", None), "region_name", None)
    return TrailResult(events_for_role(records, role_arn), scanned=len(records), truncated=truncated,
                       regions=(region,) if region else ())


def _trail_error(exc: BaseException, role_arn: str) -> StsError:
    from roleswitch.core.sts import error_from

    error = error_from(exc, "cloudtrail:LookupEvents", target=None)
    if error.code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        error.hint = ("reading CloudTrail needs cloudtrail:LookupEvents in the role's account "
                      f"({role_arn.split(':')[4] if role_arn.count(':') >= 5 else 'unknown'}): use an identity "
                      "that has it (--using PROFILE)")
    elif error.code == "InvalidTimeRangeException":
        error.hint = "CloudTrail event history covers the last 90 days: use a smaller --hours"
    return error


def merge(results: Iterable[TrailResult]) -> TrailResult:
    """Several regions' results as one (newest first, duplicates by event id dropped)."""
    results = list(results)
    seen: set[str] = set()
    events: list[AssumeEvent] = []
    for result in results:
        for event in result.events:
            key = event.event_id or repr((event.time, event.caller, event.session_name, event.region))
            if key not in seen:
                seen.add(key)
                events.append(event)
    events.sort(key=lambda e: e.time, reverse=True)
    return TrailResult(events, scanned=sum(r.scanned for r in results), truncated=any(r.truncated for r in results),
                       regions=tuple(dict.fromkeys(x for r in results for x in r.regions)))
