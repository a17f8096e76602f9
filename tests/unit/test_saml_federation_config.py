"""SAML roles and federation entries without any network: TOML validation, catalogue kinds, AWS limits,
and the engine's preflight (the boto session factory raises if preflight ever tries to call AWS)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from roleswitch.core import limits
from roleswitch.core.cache import CredentialCache
from roleswitch.core.catalogue import load_catalogue, role_fingerprint
from roleswitch.core.engine import AssumeOptions, Engine, FederationRequest, SamlRequest, describe_plan
from roleswitch.core.errors import ConfigError, ValidationError
from roleswitch.core.model import ProfileKind, StsApi
from roleswitch.core.settings import load_settings, save_settings

ACCOUNT = "111111111111"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Engineer"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ASSERTION = base64.b64encode(b"<samlp:Response>assertion-s3cr3t-value</samlp:Response>").decode()

AWS_CONFIG = "[profile user]\nregion = eu-west-1\n\n[profile dev]\nrole_arn = arn:aws:iam::111111111111:role/Dev\n" \
             "source_profile = user\n\n[profile sso]\nsso_session = corp\nsso_account_id = 111111111111\n" \
             "sso_role_name = Dev\n\n[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n" \
             "sso_region = eu-west-1\n"
AWS_CREDENTIALS = "[user]\naws_access_key_id = AKIAUSER000EXAMPLE01\naws_secret_access_key = user/secret\n\n" \
                  "[temp]\naws_access_key_id = ASIATEMP000EXAMPLE01\naws_secret_access_key = t\n" \
                  "aws_session_token = tok\n"

SETTINGS = f"""
[accounts.acme]
id = "{ACCOUNT}"

[roles.corp-saml]
role_arn = "{ROLE_ARN}"
saml_provider_arn = "{PROVIDER}"
saml_assertion_command = "idp-login --print 'saml response'"
duration_seconds = 7200
policy_arns = ["{READONLY}"]

[roles.saml-cli]
account = "acme"
role_name = "Viewer"
saml_provider_arn = "{PROVIDER}"

[roles.proxy]
federation_name = "alice-proxy"
source_profile = "user"
account = "acme"
policy_arns = ["{READONLY}"]
duration_seconds = 129600
tags = {{ team = "sre" }}

[roles.bare-fed]
federation_name = "bare"
source_profile = "user"

[roles.after-saml]
role_arn = "arn:aws:iam::{ACCOUNT}:role/Deploy"
source_profile = "corp-saml"

[roles.after-fed]
role_arn = "arn:aws:iam::{ACCOUNT}:role/Deploy"
source_profile = "proxy"

[roles.fed-from-role]
federation_name = "fed2"
source_profile = "dev"
policy_arns = ["{READONLY}"]

[roles.fed-from-temp]
federation_name = "fed3"
source_profile = "temp"
policy_arns = ["{READONLY}"]
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config").write_text(AWS_CONFIG)
    (tmp_path / "credentials").write_text(AWS_CREDENTIALS)
    (tmp_path / "config.toml").write_text(SETTINGS)
    return {"config_path": str(tmp_path / "config"), "credentials_path": str(tmp_path / "credentials"),
            "settings_path": str(tmp_path / "config.toml")}


def no_network(**_: Any) -> Any:
    raise AssertionError("preflight must not create a boto3 session")


@pytest.fixture
def engine(files: dict[str, str], tmp_path: Path) -> Engine:
    catalogue = load_catalogue(**files)
    return Engine(catalogue, CredentialCache(str(tmp_path / "cache")), boto_session_factory=no_network)


# ------------------------------------------------------------------------------------------ settings


def test_kinds_are_inferred_and_values_kept(files: dict[str, str]) -> None:
    settings = load_settings(files["settings_path"])
    saml = settings.roles["corp-saml"]
    assert (saml.kind, saml.role_arn, saml.saml_provider_arn) == ("saml", ROLE_ARN, PROVIDER)
    assert saml.saml_assertion_command == "idp-login --print 'saml response'"
    assert settings.roles["saml-cli"].role_arn == f"arn:aws:iam::{ACCOUNT}:role/Viewer"
    fed = settings.roles["proxy"]
    assert (fed.kind, fed.role_arn, fed.federation_name, fed.duration_seconds) == ("federation", None,
                                                                                  "alice-proxy", 129600)
    assert settings.roles["after-saml"].kind == "role"


def test_round_trip_through_toml(files: dict[str, str], tmp_path: Path) -> None:
    settings = load_settings(files["settings_path"])
    save_settings(settings, str(tmp_path / "again.toml"))
    again = load_settings(str(tmp_path / "again.toml"))
    assert again.roles == {name: role for name, role in settings.roles.items()}


BASE_SAML = f'[roles.r]\nrole_arn = "{ROLE_ARN}"\nsaml_provider_arn = "{PROVIDER}"\n'
BASE_FED = '[roles.f]\nfederation_name = "alice"\nsource_profile = "user"\n'


@pytest.mark.parametrize(("text", "where", "fragments"), [
    (BASE_SAML + 'source_profile = "user"\n', "roles.r.source_profile",
     ["does not apply to a SAML role", "the assertion is the credential"]),
    (BASE_SAML + 'mfa_serial = "arn:aws:iam::111111111111:mfa/a"\n', "roles.r.mfa_serial", ["identity provider"]),
    (BASE_SAML + 'tags = { a = "b" }\n', "roles.r.tags", ["assertion"]),
    (BASE_SAML + 'session_name = "me"\n', "roles.r.session_name", ["RoleSessionName"]),
    (BASE_SAML + 'external_id = "abcd"\n', "roles.r.external_id", ["External ID"]),
    (BASE_SAML + "reason_required = true\n", "roles.r.reason_required", ["session tag"]),
    (BASE_SAML + 'federation_name = "x1"\n', "roles.r.federation_name", ["SAML role", "federation"]),
    (BASE_SAML + 'saml_assertion_file = "a"\nsaml_assertion_command = "b"\n', "roles.r", ["both set"]),
    (BASE_SAML + 'saml_assertion_command = "idp \'unterminated"\n', "roles.r.saml_assertion_command",
     ["not a valid command line"]),
    (BASE_SAML + 'saml_assertion_command = "   "\n', "roles.r.saml_assertion_command", ["must not be empty"]),
    (BASE_SAML + "duration_seconds = 50000\n", "roles.r.duration_seconds", ["out of range", "900..43200"]),
    (f'[roles.r]\nrole_arn = "{ROLE_ARN}"\nsaml_assertion_file = "a"\n', "roles.r", ["needs saml_provider_arn"]),
    (f'[roles.r]\nrole_arn = "{ROLE_ARN}"\nsaml_provider_arn = "arn:aws:iam::1:saml-provider/x"\n',
     "roles.r.saml_provider_arn", ["not well formed", "saml-provider"]),
    (f'[roles.r]\nsaml_provider_arn = "{PROVIDER}"\n', "roles.r", ["no role_arn or role_name"]),
    ('[roles.f]\nfederation_name = "a"\nsource_profile = "user"\n', "roles.f.federation_name",
     ["1 characters", "2..32"]),
    ('[roles.f]\nfederation_name = "alice smith"\nsource_profile = "user"\n', "roles.f.federation_name",
     ["characters STS rejects", "_+=,.@-"]),
    ('[roles.f]\nfederation_name = "' + "a" * 33 + '"\nsource_profile = "user"\n', "roles.f.federation_name",
     ["33 characters"]),
    ('[roles.f]\nfederation_name = "alice"\n', "roles.f", ["needs source_profile", "long-term keys"]),
    (BASE_FED + f'role_arn = "{ROLE_ARN}"\n', "roles.f.role_arn", ["does not apply to a federation entry"]),
    (BASE_FED + 'mfa_serial = "arn:aws:iam::111111111111:mfa/a"\n', "roles.f.mfa_serial", ["no MFA"]),
    (BASE_FED + 'credential_source = "Environment"\n', "roles.f.credential_source", ["long-term keys"]),
    (BASE_FED + 'tags = { a = "b" }\ntransitive_tags = ["a"]\n', "roles.f.transitive_tags", ["transitive"]),
    (BASE_FED + "duration_seconds = 129601\n", "roles.f.duration_seconds", ["900..129600", "36 h"]),
    (BASE_FED + "duration_seconds = 600\n", "roles.f.duration_seconds", ["out of range"]),
    (BASE_FED + 'tags = { "aws:x" = "b" }\n', "roles.f.tags[1]", ["reserved aws: prefix"]),
    (BASE_FED + 'policy_arns = ["nope"]\n', "roles.f.policy_arns", ["not well formed"]),
])
def test_bad_entries_name_file_key_and_what_is_allowed(tmp_path: Path, text: str, where: str,
                                                       fragments: list[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    assert caught.value.where == f"{path}: {where}"
    line = caught.value.one_line()
    for fragment in fragments:
        assert fragment in line
    assert "\n" not in line


def test_federation_allows_36_hours_but_a_role_does_not(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE_FED + "duration_seconds = 129600\n")
    assert load_settings(str(path)).roles["f"].duration_seconds == 129600
    path.write_text(f'[roles.r]\nrole_arn = "{ROLE_ARN}"\nduration_seconds = 129600\n')
    with pytest.raises(ConfigError, match="out of range"):
        load_settings(str(path))


# ------------------------------------------------------------------------------------------ catalogue


def test_catalogue_kinds_accounts_chaining_and_warnings(files: dict[str, str]) -> None:
    cat = load_catalogue(**files)
    saml, fed = cat.get("corp-saml"), cat.get("proxy")
    assert saml.kind is ProfileKind.SAML and saml.saml_provider_arn == PROVIDER and saml.account_id == ACCOUNT
    assert fed.kind is ProfileKind.FEDERATION and fed.role_arn is None and fed.federation_name == "alice-proxy"
    assert fed.account is not None and (fed.account.alias, fed.account.id) == ("acme", ACCOUNT)
    assert cat.get("after-saml").chained  # a SAML session is a role session: 1-hour cap when chaining
    assert [w for w in cat.warnings if "bare-fed" in w] == [
        f"{files['settings_path']}: [roles.bare-fed] {limits.FEDERATION_NO_POLICY}"]
    assert not [w for w in cat.warnings if "[roles.proxy]" in w]


def test_fingerprints_of_existing_roles_did_not_change(files: dict[str, str]) -> None:
    # The new Role fields are left out while unset, so sessions cached before they existed stay valid.
    import hashlib
    import json
    from dataclasses import fields

    role = load_catalogue(**files).get("dev")
    old = {f.name: getattr(role, f.name) for f in fields(role)
           if f.name not in ("favorite", "saml_provider_arn", "saml_assertion_file", "saml_assertion_command",
                             "federation_name")}
    old["account"], old["kind"] = role.account.id if role.account else None, str(role.kind)
    expected = hashlib.sha256(json.dumps(old, sort_keys=True, default=list).encode()).hexdigest()[:16]
    assert role_fingerprint(role) == expected
    saml = load_catalogue(**files).get("corp-saml")
    from dataclasses import replace

    assert role_fingerprint(replace(saml, saml_assertion_command="other")) != role_fingerprint(saml)


# ------------------------------------------------------------------------------------------ limits


def test_saml_assertion_normalisation() -> None:
    wrapped = "\n".join(ASSERTION[i:i + 20] for i in range(0, len(ASSERTION), 20)) + "\n"
    assert limits.normalise_saml_assertion(wrapped) == ASSERTION
    assert limits.normalise_saml_assertion(ASSERTION.replace("+", "%2B").replace("=", "%3D")) == ASSERTION
    xml = "<samlp:Response>assertion-s3cr3t-value</samlp:Response>"
    assert limits.normalise_saml_assertion(f"  {xml}\n") == ASSERTION


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "empty"), ("   \n", "empty"), ("not base64 at all!", "not base64"), ("QQ==", None),
    ("A" * 100004, "STS allows 4..100000"),
])
def test_saml_assertion_limits_never_echo_it(text: str, fragment: str | None) -> None:
    if fragment is None:
        assert limits.normalise_saml_assertion(text) == text
        return
    with pytest.raises(ValidationError) as caught:
        limits.normalise_saml_assertion(text, where="r: SAML assertion")
    assert fragment in caught.value.one_line()
    assert "base64 at all" not in caught.value.one_line()


def test_federation_limits() -> None:
    assert limits.MAX_FEDERATION_DURATION == 129600
    assert limits.validate_duration(129600, maximum=limits.MAX_FEDERATION_DURATION) == 129600
    with pytest.raises(ValidationError, match="900..129600"):
        limits.validate_duration(129601, maximum=limits.MAX_FEDERATION_DURATION)
    assert limits.validate_federation_name("a@b.c-d_e+f=g,h") == "a@b.c-d_e+f=g,h"


# ------------------------------------------------------------------------------------------ engine preflight


def test_saml_plan(engine: Engine) -> None:
    plan = engine.preflight("corp-saml")
    assert plan.api is StsApi.ASSUME_ROLE_WITH_SAML and plan.request is None and not plan.chained
    assert isinstance(plan.call, SamlRequest)
    assert plan.call.to_params() == {"RoleArn": ROLE_ARN, "PrincipalArn": PROVIDER, "DurationSeconds": 7200,
                                     "PolicyArns": [{"arn": READONLY}]}
    assert describe_plan(plan)["principal_arn"] == PROVIDER
    # Without a duration the IdP's SessionDuration applies: no configured default is sent.
    plan = engine.preflight("saml-cli")
    assert isinstance(plan.call, SamlRequest) and plan.call.duration_seconds is None


def test_saml_assertion_is_not_in_repr_or_digest() -> None:
    options = AssumeOptions(saml_assertion=ASSERTION)
    assert ASSERTION not in repr(options)
    assert options.digest() == AssumeOptions().digest() == ""


@pytest.mark.parametrize(("options", "fragment"), [
    (AssumeOptions(tags=(("a", "b"),)), "session tags"),
    (AssumeOptions(session_name="me-me"), "session name"),
    (AssumeOptions(external_id="abcdef"), "External ID"),
    (AssumeOptions(source_identity="me-me"), "SourceIdentity"),
    (AssumeOptions(mfa_code="123456"), "MFA code"),
    (AssumeOptions(duration_seconds=43201), "900..43200"),
])
def test_saml_refuses_what_the_assertion_decides(engine: Engine, options: AssumeOptions, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        engine.preflight("corp-saml", options)
    assert fragment in caught.value.one_line()


def test_assertion_for_a_role_that_is_not_saml(engine: Engine) -> None:
    with pytest.raises(ValidationError, match="not a SAML role"):
        engine.preflight("dev", AssumeOptions(saml_assertion=ASSERTION))
    # A role chained from a SAML role takes it (the SAML hop uses it).
    assert engine.preflight("after-saml", AssumeOptions(saml_assertion=ASSERTION)).chained


def test_federation_plan(engine: Engine) -> None:
    plan = engine.preflight("proxy", AssumeOptions(tags=(("ticket", "OPS-1"),)))
    assert plan.api is StsApi.GET_FEDERATION_TOKEN and plan.source == "user" and plan.notes == ()
    assert isinstance(plan.call, FederationRequest)
    assert plan.call.to_params() == {"Name": "alice-proxy", "DurationSeconds": 129600,
                                     "PolicyArns": [{"arn": READONLY}],
                                     "Tags": [{"Key": "team", "Value": "sre"}, {"Key": "ticket", "Value": "OPS-1"}]}
    assert describe_plan(plan)["federation_name"] == "alice-proxy"
    renamed = engine.preflight("proxy", AssumeOptions(session_name="bob"))
    assert isinstance(renamed.call, FederationRequest) and renamed.call.name == "bob"


def test_federation_without_policy_is_explained(engine: Engine) -> None:
    plan = engine.preflight("bare-fed")
    assert plan.notes == (f"bare-fed {limits.FEDERATION_NO_POLICY}",)
    assert describe_plan(plan)["notes"] == list(plan.notes)


@pytest.mark.parametrize(("name", "options", "fragment"), [
    ("proxy", AssumeOptions(duration_seconds=129601), "900..129600"),
    ("proxy", AssumeOptions(session_name="x"), "2..32"),
    ("proxy", AssumeOptions(external_id="abcdef"), "GetFederationToken takes no External ID"),
    ("proxy", AssumeOptions(mfa_code="123456"), "MFA code"),
    ("proxy", AssumeOptions(transitive_tag_keys=("team",)), "transitive"),
    ("fed-from-role", AssumeOptions(), "temporary credentials"),
    ("fed-from-temp", AssumeOptions(), "temporary credentials"),
    ("after-fed", AssumeOptions(), "cannot call AssumeRole"),
])
def test_federation_refusals(engine: Engine, name: str, options: AssumeOptions, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        engine.preflight(name, options)
    assert fragment in caught.value.one_line()


def test_federation_needs_no_mfa_code(engine: Engine) -> None:
    assert engine.mfa_serial_needed("proxy") is None
    assert engine.mfa_serial_needed("corp-saml") is None


FULL = AssumeOptions(duration_seconds=3600, mfa_code="123456", tags=(("team", "web"),),
                     transitive_tag_keys=("team",), source_identity="alice", session_name="alice-x",
                     external_id="ext-1234", policy_arns=(READONLY,), policy_json='{"Version":"2012-10-17"}',
                     region="eu-west-1", reason="OPS-1", use_cache=False, saml_assertion=ASSERTION)


@pytest.mark.parametrize("name", ["corp-saml", "proxy", "dev"])
def test_applicable_options_are_exactly_what_preflight_accepts(engine: Engine, name: str) -> None:
    from dataclasses import fields, replace

    from roleswitch.core.engine import applicable_options

    role = engine.catalogue.get(name)
    allowed = applicable_options(role)
    defaults = AssumeOptions()
    kept = replace(defaults, **{f: getattr(FULL, f) for f in allowed if f != "saml_assertion" or name != "dev"})
    engine.preflight(role, kept)  # everything it offers is accepted together
    for option in {f.name for f in fields(AssumeOptions)} - allowed - {"saml_assertion", "use_cache", "reason"}:
        with pytest.raises(ValidationError):
            engine.preflight(role, replace(defaults, **{option: getattr(FULL, option)}))
