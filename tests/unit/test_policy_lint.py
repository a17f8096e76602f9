"""Trust-policy lint: one test per rule with realistic trust policies, plain words, and the preflight."""

from __future__ import annotations

import json

import pytest

from roleswitch.core.model import Account, ProfileKind, Role
from roleswitch.core.policy.evaluator import NamedPolicy
from roleswitch.core.policy.fetch import FetchedPolicy, RolePolicies
from roleswitch.core.policy.lint import (
    RULES,
    Finding,
    describe_trust,
    lint_role,
    lint_trust,
    predict_trust,
    privileged_reason,
    trust_in_words,
)

OWN = "111111111111"
VENDOR = "999999999999"
ADMIN = FetchedPolicy("AdministratorAccess", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "arn:aws:iam::aws:policy/AdministratorAccess")
READ_ONLY = NamedPolicy("ReadS3", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})


def trust(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: object, action: object = "sts:AssumeRole", condition: dict | None = None, **extra) -> dict:
    st = {"Effect": "Allow", "Principal": principal, "Action": action, **extra}
    if condition:
        st["Condition"] = condition
    return st


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


# -- confused deputy ------------------------------------------------------------------------------------

def test_third_party_account_without_external_id_is_high() -> None:
    st = allow({"AWS": f"arn:aws:iam::{VENDOR}:root"}, Sid="Datadog")
    found = lint_trust(trust(st), role_account=OWN)
    deputy = [f for f in found if f.rule == "confused-deputy"]
    assert len(deputy) == 1
    assert deputy[0].severity == "high"
    assert deputy[0].statement == st and deputy[0].sid == "Datadog"
    assert "sts:ExternalId" in deputy[0].message and VENDOR in deputy[0].message


def test_third_party_with_external_id_passes() -> None:
    st = allow({"AWS": f"arn:aws:iam::{VENDOR}:role/integration"},
               condition={"StringEquals": {"sts:ExternalId": "acme-7f3a"}})
    assert "confused-deputy" not in rules(lint_trust(trust(st), role_account=OWN))


def test_cross_account_to_own_known_account_is_low() -> None:
    st = allow({"AWS": f"arn:aws:iam::{VENDOR}:role/ci"})
    found = lint_trust(trust(st), role_account=OWN, known_accounts=[VENDOR],
                       account_names={VENDOR: "acme-tools"})
    deputy = [f for f in found if f.rule == "confused-deputy"]
    assert deputy and deputy[0].severity == "low" and "acme-tools" in deputy[0].message


def test_same_account_role_principal_is_not_a_deputy() -> None:
    st = allow({"AWS": f"arn:aws:iam::{OWN}:role/ci"})
    assert lint_trust(trust(st), role_account=OWN) == []


# -- wildcard principal ---------------------------------------------------------------------------------

@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_wildcard_principal_without_conditions_is_high(principal: object) -> None:
    found = lint_trust(trust(allow(principal)), role_account=OWN)
    assert rules(found) == ["wildcard-principal"] and found[0].severity == "high"


def test_wildcard_principal_with_only_external_id_is_still_high() -> None:
    st = allow("*", condition={"StringEquals": {"sts:ExternalId": "guessable"}})
    found = lint_trust(trust(st), role_account=OWN)
    assert rules(found) == ["wildcard-principal"] and "do not say who the caller must be" in found[0].message


def test_wildcard_principal_restricted_to_the_organisation_passes() -> None:
    st = allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    assert lint_trust(trust(st), role_account=OWN) == []


# -- account root ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("principal", [f"arn:aws:iam::{OWN}:root", OWN])
def test_own_account_root_without_conditions_is_medium(principal: str) -> None:
    found = lint_trust(trust(allow({"AWS": principal})), role_account=OWN)
    assert rules(found) == ["account-root-principal"] and found[0].severity == "medium"


def test_account_root_with_principal_arn_condition_passes() -> None:
    st = allow({"AWS": f"arn:aws:iam::{OWN}:root"},
               condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/admins-*"}})
    assert lint_trust(trust(st), role_account=OWN) == []


# -- OIDC / SAML ----------------------------------------------------------------------------------------

GITHUB = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"


def test_github_oidc_without_sub_or_aud() -> None:
    st = allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity")
    found = lint_trust(trust(st), role_account=OWN)
    assert rules(found) == ["oidc-missing-sub", "oidc-missing-aud"]
    assert [f.severity for f in found] == ["high", "medium"]
    assert "token.actions.githubusercontent.com:sub" in found[0].message


def test_github_oidc_sub_wildcard_is_high() -> None:
    st = allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", condition={
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": "*"}})
    found = lint_trust(trust(st), role_account=OWN)
    assert rules(found) == ["oidc-missing-sub"] and "matches every subject" in found[0].message


def test_github_oidc_properly_scoped_passes() -> None:
    st = allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", condition={
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                         "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main"}})
    assert lint_trust(trust(st), role_account=OWN) == []


def test_saml_without_aud_is_medium_and_with_aud_passes() -> None:
    okta = f"arn:aws:iam::{OWN}:saml-provider/Okta"
    bare = allow({"Federated": okta}, "sts:AssumeRoleWithSAML")
    found = lint_trust(trust(bare), role_account=OWN)
    assert rules(found) == ["saml-missing-aud"] and found[0].severity == "medium"
    good = allow({"Federated": okta}, "sts:AssumeRoleWithSAML",
                 condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})
    assert lint_trust(trust(good), role_account=OWN) == []


def test_service_principal_without_source_is_low_but_ec2_is_fine() -> None:
    found = lint_trust(trust(allow({"Service": "cloudformation.amazonaws.com"})), role_account=OWN)
    assert rules(found) == ["service-missing-source"] and found[0].severity == "low"
    assert lint_trust(trust(allow({"Service": "ec2.amazonaws.com"})), role_account=OWN) == []


# -- privileged roles -----------------------------------------------------------------------------------

def test_privileged_role_without_mfa_is_high() -> None:
    st = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"})
    found = lint_trust(trust(st), role_account=OWN, identity_policies=[ADMIN])
    assert rules(found) == ["no-mfa-privileged"]
    assert "AdministratorAccess" in found[0].message and found[0].statement == st


def test_privileged_role_with_mfa_passes_and_bool_if_exists_is_weak() -> None:
    strong = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"},
                   condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    assert lint_trust(trust(strong), role_account=OWN, identity_policies=[ADMIN]) == []
    weak = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"},
                 condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})
    assert rules(lint_trust(trust(weak), role_account=OWN, identity_policies=[ADMIN])) == ["weak-mfa-condition"]


def test_deny_without_mfa_statement_counts_as_mfa() -> None:
    doc = trust(allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"}),
                {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                 "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})
    assert lint_trust(doc, role_account=OWN, identity_policies=[ADMIN]) == []


def test_non_privileged_role_needs_no_mfa() -> None:
    st = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"})
    assert lint_trust(trust(st), role_account=OWN, identity_policies=[READ_ONLY], max_session_duration=43200) == []


@pytest.mark.parametrize("policy", [
    ADMIN,
    NamedPolicy("IAMFullAccess", {"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}),
    NamedPolicy("inline", {"Statement": {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}}),
    NamedPolicy("notaction", {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
])
def test_privileged_detection(policy: NamedPolicy) -> None:
    assert privileged_reason([policy]) is not None


def test_long_session_on_privileged_role() -> None:
    st = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"},
               condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    found = lint_trust(trust(st), role_account=OWN, identity_policies=[ADMIN], max_session_duration=43200)
    assert rules(found) == ["long-session-privileged"]
    assert found[0].statement is None and "12 h 00 min" in found[0].message
    assert lint_trust(trust(st), role_account=OWN, identity_policies=[ADMIN], max_session_duration=3600) == []


# -- local configuration vs trust -----------------------------------------------------------------------

def test_session_tags_need_tag_session() -> None:
    st = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"})
    assert rules(lint_trust(trust(st), role_account=OWN, session_tags=True)) == ["missing-tag-session"]
    ok = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"}, ["sts:AssumeRole", "sts:TagSession"])
    assert lint_trust(trust(ok), role_account=OWN, session_tags=True) == []


def test_source_identity_needs_set_source_identity() -> None:
    st = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"})
    assert rules(lint_trust(trust(st), role_account=OWN, source_identity=True)) == ["missing-set-source-identity"]
    ok = allow({"AWS": f"arn:aws:iam::{OWN}:role/ops"}, "sts:*")
    assert lint_trust(trust(ok), role_account=OWN, source_identity=True) == []


def test_unreadable_and_empty_trust() -> None:
    assert rules(lint_trust(None, role_account=OWN)) == ["no-trust-policy"]
    assert rules(lint_trust(trust(allow({"AWS": OWN}, "s3:*")), role_account=OWN)) == ["nobody-can-assume"]


def test_findings_sorted_worst_first_and_rule_ids_documented() -> None:
    doc = trust(allow("*"), allow({"AWS": f"arn:aws:iam::{OWN}:root"}),
                allow({"Service": "glue.amazonaws.com"}))
    found = lint_trust(doc, role_account=OWN, session_tags=True)
    assert [f.severity for f in found] == sorted((f.severity for f in found),
                                                 key=["high", "medium", "low", "info"].index)
    assert all(f.rule in RULES for f in found)


def test_url_encoded_trust_as_iam_returns_it() -> None:
    from urllib.parse import quote

    text = quote(json.dumps(trust(allow("*"))))
    assert rules(lint_trust(text, role_account=OWN)) == ["wildcard-principal"]


def test_lint_role_uses_local_config_and_never_raises() -> None:
    role = Role(name="vendor", origin="roleswitch", kind=ProfileKind.ROLE,
                role_arn=f"arn:aws:iam::{OWN}:role/vendor", account=Account(OWN, alias="acme-prod"),
                session_tags=(("team", "sre"),), source_identity="alice")
    policies = RolePolicies(role_arn=role.role_arn, identity=[ADMIN], max_session_duration=7200,
                            trust=trust(allow({"AWS": f"arn:aws:iam::{VENDOR}:root"})))
    found = lint_role(role, policies)
    assert set(rules(found)) == {"confused-deputy", "no-mfa-privileged", "missing-tag-session",
                                 "missing-set-source-identity", "long-session-privileged"}
    assert found[0].severity == "high"
    broken = RolePolicies(role_arn=role.role_arn, trust="{oops")  # type: ignore[arg-type]
    assert rules(lint_role(role, broken)) == ["no-trust-policy"]
    assert rules(lint_role(role, None)) == ["no-trust-policy"]


def test_finding_json_shape() -> None:
    st = allow("*")
    data = lint_trust(trust(st), role_account=OWN)[0].to_json(profile="p", role_arn="arn:x")
    assert data == {"profile": "p", "role_arn": "arn:x", "rule": "wildcard-principal", "severity": "high",
                    "message": data["message"], "statement": st}
    json.dumps(data)


# -- plain words ----------------------------------------------------------------------------------------

def test_trust_in_plain_words() -> None:
    doc = trust(
        allow({"AWS": [f"arn:aws:iam::{OWN}:role/team/Deployer", f"arn:aws:iam::{VENDOR}:root"]},
              condition={"StringEquals": {"sts:ExternalId": "secret-id"},
                         "Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        allow({"Service": "lambda.amazonaws.com"}),
        allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity",
              condition={"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}),
        allow("*"),
    )
    lines = trust_in_words(doc, role_account=OWN, account_names={OWN: "acme-prod"})
    assert lines[0] == (f"Can assume: the IAM role Deployer in account {OWN} (acme-prod) (this account), only "
                        "when the caller gives the agreed External ID and the caller signed in with MFA")
    assert lines[1].startswith(f"Can assume: any IAM identity in account {VENDOR} whose own policies allow")
    assert lines[2] == "Can assume: the AWS service lambda.amazonaws.com"
    assert lines[3] == ("Can assume: web identities from the OIDC provider token.actions.githubusercontent.com, "
                        "only when the token subject matches repo:acme/*")
    assert lines[4] == "Can assume: anyone: every AWS account and identity (public)"
    # The External ID value agreed in the trust policy is not echoed.
    assert all("secret-id" not in line for line in lines)
    assert [e.kind for e in describe_trust(doc)] == ["role", "account", "service", "oidc", "anyone"]


# -- preflight ------------------------------------------------------------------------------------------

USER = f"arn:aws:iam::{OWN}:user/alice"
SESSION = f"arn:aws:sts::{OWN}:assumed-role/Deployer/alice"


def test_predict_external_id_required() -> None:
    doc = trust(allow({"AWS": f"arn:aws:iam::{OWN}:user/alice"},
                      condition={"StringEquals": {"sts:ExternalId": "agreed-id"}}))
    missing = predict_trust(doc, USER)
    assert missing.allowed is False
    assert missing.reasons == ["the trust policy requires an External ID (sts:ExternalId) and none is configured "
                               "for this role"]
    wrong = predict_trust(doc, USER, external_id="my-secret-guess")
    assert wrong.allowed is False and "not the one the trust policy expects" in wrong.reasons[0]
    assert all("my-secret-guess" not in r and "agreed-id" not in r for r in wrong.reasons)
    assert predict_trust(doc, USER, external_id="agreed-id").allowed is True


def test_predict_mfa() -> None:
    doc = trust(allow({"AWS": f"arn:aws:iam::{OWN}:root"},
                      condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    no = predict_trust(doc, USER)
    assert no.allowed is False and "requires MFA" in no.reasons[0]
    yes = predict_trust(doc, USER, mfa_present=True)
    assert yes.allowed is True and any("own IAM policy must also allow" in r for r in yes.reasons)
    assert predict_trust(doc, SESSION).allowed is False  # a role session without MFA says "false"


def test_predict_tags_and_source_identity() -> None:
    doc = trust(allow({"AWS": f"arn:aws:iam::{OWN}:role/Deployer"},
                      ["sts:AssumeRole", "sts:TagSession"],
                      condition={"StringEquals": {"aws:RequestTag/team": ["sre", "platform"]}}))
    assert predict_trust(doc, SESSION, tags={"team": "sre"}).allowed is True
    wrong = predict_trust(doc, SESSION, tags={"team": "sales"})
    assert wrong.allowed is False and wrong.reasons == ["session tag team must match StringEquals sre, platform"]
    absent = predict_trust(doc, SESSION)
    assert absent.allowed is False and "requires session tag team" in absent.reasons[0]
    no_si = predict_trust(doc, SESSION, tags={"team": "sre"}, source_identity="alice")
    assert no_si.allowed is False and "sts:SetSourceIdentity" in no_si.reasons[0]


def test_predict_tags_without_tag_session() -> None:
    doc = trust(allow({"AWS": f"arn:aws:iam::{OWN}:role/Deployer"}))
    got = predict_trust(doc, SESSION, tags={"team": "sre"})
    assert got.allowed is False and "sts:TagSession" in got.reasons[0]


def test_predict_not_named_and_role_path() -> None:
    doc = trust(allow({"AWS": f"arn:aws:iam::{OWN}:role/team/Deployer"}))
    assert predict_trust(doc, SESSION).allowed is True  # session ARNs drop the role path
    other = predict_trust(doc, f"arn:aws:iam::{VENDOR}:user/mallory")
    assert other.allowed is False and "does not name you" in other.reasons[0]


def test_predict_unknown_keys_and_deny() -> None:
    org = trust(allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}))
    got = predict_trust(org, USER)
    assert got.allowed is None and "aws:PrincipalOrgID" in got.reasons[0]
    assert predict_trust(org, USER, extra_context={"aws:PrincipalOrgID": "o-abc"}).allowed is True
    deny = trust(allow({"AWS": OWN}), {"Sid": "NoAlice", "Effect": "Deny", "Principal": {"AWS": USER},
                                       "Action": "sts:AssumeRole"})
    denied = predict_trust(deny, USER)
    assert denied.allowed is False and "NoAlice" in denied.reasons[0]
    assert predict_trust(None, USER).allowed is None
    assert predict_trust("{bad", USER).allowed is None


def test_external_id_values_are_redacted_in_output() -> None:
    from roleswitch.core.policy.lint import redact_statement

    st = allow({"AWS": "*"}, condition={"StringEquals": {"sts:ExternalId": "s3cr3t-id", "aws:PrincipalOrgID": "o-1"}})
    assert redact_statement(st)["Condition"]["StringEquals"] == {"sts:ExternalId": "****",
                                                                 "aws:PrincipalOrgID": "o-1"}
    assert st["Condition"]["StringEquals"]["sts:ExternalId"] == "s3cr3t-id"  # the input is not modified
    finding = Finding("wildcard-principal", "high", "m", st)
    assert "s3cr3t-id" not in json.dumps(finding.to_json(profile="p", role_arn="a"))
