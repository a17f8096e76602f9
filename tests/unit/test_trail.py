"""core/trail.py: CloudTrail AssumeRole* records -> who assumed a role, unattributable sessions flagged.

moto does not implement cloudtrail:LookupEvents, so the fetch is tested with botocore's Stubber (a stub,
named as such) against botocore's CloudTrail model, with records shaped like AWS's documented examples
("Logging IAM and AWS STS API calls with AWS CloudTrail"; "CloudTrail userIdentity element").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from roleswitch.core import trail
from roleswitch.core.errors import StsError

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Admin"
EXTERNAL_ID = "tenant-7f3a9c-external-id-value"
START = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=24)


def assume_role_record(**overrides: Any) -> dict[str, Any]:
    """An AssumeRole record as CloudTrail writes it (an IAM user, tags, SourceIdentity, External ID)."""
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser", "principalId": "AIDAJ45Q7YFFAREXAMPLE", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
            "accountId": ACCOUNT, "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice",
        },
        "eventTime": "2026-03-04T09:15:02Z",
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.64",
        "userAgent": "roleswitch/0.1 botocore/1.35.0",
        "requestParameters": {
            "roleArn": ROLE,
            "roleSessionName": "alice@laptop",
            "durationSeconds": 3600,
            "externalId": EXTERNAL_ID,
            "sourceIdentity": "alice",
            "serialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/alice",
            "tags": [{"key": "ticket", "value": "INC-42 secret-ish value"}, {"key": "team", "value": "sre"}],
            "transitiveTagKeys": ["team"],
        },
        "responseElements": {
            "credentials": {"accessKeyId": "ASIAWHOJDLGPOEXAMPLE", "expiration": "Mar 4, 2026, 10:15:02 AM",
                            "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN"},
            "assumedRoleUser": {"assumedRoleId": "AROAIFR7WHDTSOYQYHFUE:alice@laptop",
                                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@laptop"},
            "packedPolicySize": 12,
            "sourceIdentity": "alice",
        },
        "requestID": "4b6a7c2e-1111-4f4e-9a0e-5d6c7e8f9a0b",
        "eventID": "e-alice",
        "readOnly": True,
        "resources": [{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": ROLE}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    for key, value in overrides.items():
        if key in ("requestParameters", "userIdentity", "responseElements") and isinstance(value, dict):
            record[key] = {**record[key], **value}
        else:
            record[key] = value
    return record


def ci_chain_record() -> dict[str, Any]:
    """A role session (CI) assuming Admin with the boto3 default session name and no SourceIdentity."""
    record = assume_role_record(eventID="e-ci", eventTime="2026-03-04T11:00:00Z", sourceIPAddress="198.51.100.7",
                                userAgent="Boto3/1.35.0 md/Botocore#1.35.0")
    record["userIdentity"] = {
        "type": "AssumedRole", "principalId": "AROAEXAMPLECI:botocore-session-1709546400",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/CI/botocore-session-1709546400", "accountId": ACCOUNT,
        "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLECI",
                                             "arn": f"arn:aws:iam::{ACCOUNT}:role/CI", "accountId": ACCOUNT,
                                             "userName": "CI"},
                           "attributes": {"creationDate": "2026-03-04T10:59:00Z", "mfaAuthenticated": "false"}},
    }
    record["requestParameters"] = {"roleArn": ROLE, "roleSessionName": "botocore-session-1709550000"}
    record["responseElements"] = {"assumedRoleUser": {
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/botocore-session-1709550000"}}
    return record


def saml_record() -> dict[str, Any]:
    return {
        "eventVersion": "1.08", "eventTime": "2026-03-04T08:00:00Z", "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRoleWithSAML", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.10",
        "userIdentity": {"type": "SAMLUser", "principalId": "SAMPLE:bob@example.com", "userName": "bob@example.com",
                         "identityProvider": "bdGOnTesti4+2ZvBlVeTsU6D6fU="},
        "requestParameters": {"roleArn": ROLE, "principalArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta",
                              "durationSeconds": 3600},
        "responseElements": {"assumedRoleUser": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/bob@example.com"},
                             "subject": "bob@example.com", "issuer": "https://idp.example.com/"},
        "eventID": "e-saml", "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
    }


def web_identity_record() -> dict[str, Any]:
    return {
        "eventVersion": "1.08", "eventTime": "2026-03-04T07:00:00Z", "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRoleWithWebIdentity", "awsRegion": "eu-west-1", "sourceIPAddress": "140.82.112.3",
        "userIdentity": {"type": "WebIdentityUser", "principalId":
                         "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:"
                         "repo:acme/infra:ref:refs/heads/main",
                         "userName": "repo:acme/infra:ref:refs/heads/main",
                         "identityProvider": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "requestParameters": {"roleArn": ROLE, "roleSessionName": "GitHubActions"},
        "responseElements": {"assumedRoleUser": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/GitHubActions"}},
        "eventID": "e-web", "eventType": "AwsApiCall",
    }


def denied_record() -> dict[str, Any]:
    record = assume_role_record(eventID="e-denied", eventTime="2026-03-04T12:00:00Z", errorCode="AccessDenied",
                                errorMessage="User is not authorized to perform: sts:AssumeRole")
    record["requestParameters"] = {"roleArn": ROLE, "roleSessionName": "1709553600000000000"}  # aws-vault style
    record["responseElements"] = None
    return record


def other_role_record() -> dict[str, Any]:
    return assume_role_record(eventID="e-other", requestParameters={"roleArn": f"arn:aws:iam::{ACCOUNT}:role/Dev"})


def service_record() -> dict[str, Any]:
    return {
        "eventVersion": "1.08", "eventTime": "2026-03-04T06:00:00Z", "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole", "awsRegion": "us-east-1", "sourceIPAddress": "lambda.amazonaws.com",
        "userIdentity": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
        "requestParameters": {"roleArn": ROLE, "roleSessionName": "my-function"},
        "eventID": "e-svc",
    }


# --------------------------------------------------------------------------------------------- parser

def test_parse_assume_role_record() -> None:
    event = trail.parse_event(json.dumps(assume_role_record()))
    assert event is not None
    assert (event.time, event.event_name, event.role_arn) == (datetime(2026, 3, 4, 9, 15, 2, tzinfo=UTC),
                                                             "AssumeRole", ROLE)
    assert event.caller == f"arn:aws:iam::{ACCOUNT}:user/alice" and event.caller_type == "IAMUser"
    assert (event.session_name, event.source_identity, event.source_ip) == ("alice@laptop", "alice", "203.0.113.64")
    assert event.tag_keys == ("ticket", "team") and event.transitive_tag_keys == ("team",)
    assert event.external_id is True and event.mfa is True and event.duration_seconds == 3600
    assert event.unattributable is None and event.error_code is None


def test_no_secret_or_tag_value_leaves_the_parser() -> None:
    event = trail.parse_event(assume_role_record())
    assert event is not None
    text = json.dumps(event.to_dict()) + repr(event)
    for secret in (EXTERNAL_ID, "INC-42 secret-ish value", "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "ASIAWHOJDLGPOEXAMPLE",
                   "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in text
    assert event.to_dict()["external_id"] is True


def test_chained_sdk_default_session_is_unattributable() -> None:
    event = trail.parse_event(ci_chain_record())
    assert event is not None
    assert event.caller == f"arn:aws:sts::{ACCOUNT}:assumed-role/CI/botocore-session-1709546400"
    assert event.caller_type == "AssumedRole" and event.external_id is False and event.tag_keys == ()
    assert event.unattributable == "session name is the boto3/AWS CLI default and no SourceIdentity"
    assert event.to_dict()["attributable"] is False


def test_saml_and_web_identity_callers() -> None:
    saml = trail.parse_event(saml_record())
    assert saml is not None
    assert saml.caller == "bdGOnTesti4+2ZvBlVeTsU6D6fU=: bob@example.com" and saml.caller_type == "SAMLUser"
    assert saml.session_name == "bob@example.com"  # from the assumed-role ARN: SAML names it in the assertion
    assert saml.unattributable is None
    web = trail.parse_event(web_identity_record())
    assert web is not None
    assert web.caller_type == "WebIdentityUser" and web.region == "eu-west-1"
    assert web.caller == "token.actions.githubusercontent.com: repo:acme/infra:ref:refs/heads/main"
    assert web.session_name == "GitHubActions" and web.unattributable is None


def test_failed_call_and_timestamp_name() -> None:
    event = trail.parse_event(denied_record())
    assert event is not None
    assert event.error_code == "AccessDenied"
    assert event.unattributable == "session name is a timestamp and no SourceIdentity"


def test_services_are_attributed_to_the_service() -> None:
    event = trail.parse_event(service_record())
    assert event is not None and event.caller == "lambda.amazonaws.com" and event.unattributable is None


@pytest.mark.parametrize("record", [
    {"eventName": "GetCallerIdentity", "eventTime": "2026-03-04T09:00:00Z"},
    {"eventName": "AssumeRole", "eventTime": "not a time"},
    "not json", "[]", {"eventName": "AssumeRole"},
])
def test_unreadable_or_other_records_are_skipped(record: Any) -> None:
    assert trail.parse_event(record if isinstance(record, str) else json.dumps(record)) is None


@pytest.mark.parametrize(("name", "why"), [
    ("botocore-session-1709550000", "the boto3/AWS CLI default"),
    ("aws-go-sdk-1709550000123456789", "an AWS SDK default"),
    ("aws-sdk-java-1709550000123", "an AWS SDK default"),
    ("gntd-prod-admin-1709550000", "Granted's default"),
    ("1709553600000000000", "a timestamp"),
    ("20260304T091502Z", "a timestamp"),
    ("2026-03-04_09-15-02", "a timestamp"),
    ("6f1c2a4e-93b1-4c55-8f0a-3b2d1e0c9a77", "a UUID"),
    ("session", "a generic name"), ("AssumeRoleSession", "a generic name"), ("admin-session-2", "a generic name"),
    ("", "missing"), (None, "missing"),
    ("alice@laptop", None), ("alice", None), ("bob.smith", None), ("jdoe-INC-42", None), ("GitHubActions", None),
])
def test_generic_names(name: str | None, why: str | None) -> None:
    assert trail.generic_name(name) == why


def test_source_identity_settles_attribution() -> None:
    assert trail.attribution("AssumeRole", "AssumedRole", "botocore-session-1", "alice") is None
    assert trail.attribution("AssumeRole", "AssumedRole", "botocore-session-1", "session") == \
        "session name is the boto3/AWS CLI default and SourceIdentity is generic"
    assert trail.attribution("AssumeRole", "IAMUser", "alice@host", None) is None


def test_events_for_role_filters_dedupes_and_sorts() -> None:
    records = [assume_role_record(), ci_chain_record(), other_role_record(), saml_record(), ci_chain_record(),
               json.dumps(denied_record())]
    events = trail.events_for_role(records, ROLE)
    assert [e.event_id for e in events] == ["e-denied", "e-ci", "e-alice", "e-saml"]
    # Role names are case-insensitive in IAM, and the caller may leave the role's path out.
    assert trail.same_role(f"arn:aws:iam::{ACCOUNT}:role/ops/admin", ROLE)
    assert not trail.same_role("arn:aws:iam::999999999999:role/Admin", ROLE)


# ------------------------------------------------------------------------------ LookupEvents (Stubber)

@pytest.fixture
def cloudtrail_stub() -> Any:
    client = boto3.client("cloudtrail", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                          aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def lookup_item(record: dict[str, Any]) -> dict[str, Any]:
    """One element of LookupEvents' ``Events`` (botocore's CloudTrail model)."""
    return {"EventId": record["eventID"], "EventName": record["eventName"], "ReadOnly": "true",
            "EventTime": datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")),
            "EventSource": "sts.amazonaws.com", "Username": "alice",
            "Resources": [{"ResourceType": "AWS::IAM::Role", "ResourceName": ROLE}],
            "CloudTrailEvent": json.dumps(record)}


def expected(name: str, token: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
                              "StartTime": START, "EndTime": END, "MaxResults": 50}
    if token:
        params["NextToken"] = token
    return params


def test_lookup_paginates_each_api_with_exact_parameters(cloudtrail_stub: Any) -> None:
    client, stubber = cloudtrail_stub
    stubber.add_response("lookup_events", {"Events": [lookup_item(assume_role_record()),
                                                      lookup_item(other_role_record())], "NextToken": "page-2"},
                         expected("AssumeRole"))
    stubber.add_response("lookup_events", {"Events": [lookup_item(ci_chain_record())]},
                         expected("AssumeRole", "page-2"))
    stubber.add_response("lookup_events", {"Events": [lookup_item(saml_record())]}, expected("AssumeRoleWithSAML"))
    stubber.add_response("lookup_events", {"Events": []}, expected("AssumeRoleWithWebIdentity"))
    result = trail.lookup_assume_events(client, ROLE, start=START, end=END)
    assert [e.event_id for e in result.events] == ["e-ci", "e-alice", "e-saml"]
    assert result.scanned == 4 and not result.truncated and result.regions == ("us-east-1",)
    assert [e.unattributable is not None for e in result.events] == [True, False, False]


def test_lookup_stops_at_the_page_cap_and_says_so(cloudtrail_stub: Any) -> None:
    client, stubber = cloudtrail_stub
    stubber.add_response("lookup_events", {"Events": [lookup_item(assume_role_record())], "NextToken": "more"},
                         expected("AssumeRole"))
    result = trail.lookup_assume_events(client, ROLE, start=START, end=END, event_names=["AssumeRole"], max_pages=1)
    assert result.truncated and len(result.events) == 1


def test_lookup_access_denied_names_the_permission(cloudtrail_stub: Any) -> None:
    client, stubber = cloudtrail_stub
    stubber.add_client_error("lookup_events", "AccessDeniedException",
                             "User: arn:aws:sts::111122223333:assumed-role/Admin/alice is not authorized to perform: "
                             "cloudtrail:LookupEvents", http_status_code=400, expected_params=expected("AssumeRole"))
    with pytest.raises(StsError) as caught:
        trail.lookup_assume_events(client, ROLE, start=START, end=END)
    line = caught.value.one_line()
    assert caught.value.exit_code == 4 and "\n" not in line
    assert "needs cloudtrail:LookupEvents in the role's account (111122223333)" in line


def test_merge_regions() -> None:
    a = trail.TrailResult(trail.events_for_role([assume_role_record()], ROLE), 3, False, ("us-east-1",))
    b = trail.TrailResult(trail.events_for_role([web_identity_record(), assume_role_record()], ROLE), 2, True,
                          ("eu-west-1",))
    merged = trail.merge([a, b])
    assert [e.event_id for e in merged.events] == ["e-alice", "e-web"]
    assert (merged.scanned, merged.truncated, merged.regions) == (5, True, ("us-east-1", "eu-west-1"))
