"""The demo's world: four AWS accounts, one IAM user with an MFA device, and roles that show every feature.

Everything here is data plus one function, :func:`seed`, that creates it in a moto server over HTTP.

moto keeps a separate IAM per account id. Seeding sends each account's calls with moto's
``x-moto-account-id`` header; afterwards moto maps every access key to the account that issued it, so the
user's keys act in ``acme-identity`` and credentials from ``AssumeRole`` act in the role's account
(``GetCallerIdentity`` shows ``arn:aws:sts::<role account>:assumed-role/...``).

What moto does NOT do (so the demo cannot show AWS refusing you): it ignores trust policies, MFA codes,
External IDs, session tags and duration limits. Any 6-digit MFA code is accepted by moto; roleswitch's own
preflight checks (MFA present, External ID set, tag limits, 1-hour chained cap) still run. It accepts the
demo's unsigned SAML assertion (real STS verifies the IdP's signature) and answers GetFederationToken with
fixed example keys; GetCallerIdentity with a SAML or federated session of the demo shows moto's placeholder
``user/moto`` rather than the session (moto files those sessions under its default account).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"


@dataclass(frozen=True)
class DemoAccount:
    """One account of the demo organisation."""

    alias: str
    id: str
    environment: str
    colour: str


ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("acme-identity", "333333333333", "identity", "blue"),
    DemoAccount("acme-prod", "111111111111", "prod", "red"),
    DemoAccount("acme-staging", "222222222222", "staging", "yellow"),
    DemoAccount("partner-audit", "999999999999", "third-party", "magenta"),
)
ACCOUNT_IDS = {account.alias: account.id for account in ACCOUNTS}
IDENTITY = ACCOUNT_IDS["acme-identity"]
PROD = ACCOUNT_IDS["acme-prod"]
STAGING = ACCOUNT_IDS["acme-staging"]
PARTNER = ACCOUNT_IDS["partner-audit"]

USER_NAME = "alice"
MFA_SERIAL = f"arn:aws:iam::{IDENTITY}:mfa/{USER_NAME}"
# Not a secret: the partner gives this to every customer; it only stops confused-deputy reuse.
PARTNER_EXTERNAL_ID = "acme-7f3a9c2e"
OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_PROVIDER_ARN = f"arn:aws:iam::{STAGING}:oidc-provider/{OIDC_HOST}"
SAML_PROVIDER_ARN = f"arn:aws:iam::{STAGING}:saml-provider/AcmeIdP"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
# IAM wants >= 1000 characters of IdP metadata; moto keeps it without checking the signature certificate.
_SAML_METADATA = (
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.acme.example/">'
    '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    + "<!-- roleswitch demo identity provider: not a real IdP, nothing here is trusted by real AWS -->" * 12
    + '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
    'Location="https://idp.acme.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
)


def saml_assertion(role_arn: str, provider_arn: str = SAML_PROVIDER_ARN, session_name: str = "alice@acme.example") -> str:
    """A base64 SAMLResponse naming ``role_arn``: unsigned, so only moto accepts it (real STS checks the IdP's
    signature). It stands in for what an IdP login tool prints."""
    import base64

    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_demo" Version="2.0">'
        '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_demo-a" Version="2.0">'
        "<saml:AttributeStatement>"
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
        f"<saml:AttributeValue>{role_arn},{provider_arn}</saml:AttributeValue></saml:Attribute>"
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
        f"<saml:AttributeValue>{session_name}</saml:AttributeValue></saml:Attribute>"
        "</saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust_account(account_id: str, **condition: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
    }
    if condition:
        statement["Condition"] = condition
    return statement


MFA_CONDITION = {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "43200"}}


@dataclass(frozen=True)
class DemoRole:
    """An IAM role of the demo and the catalogue entry (or entries) that reach it."""

    account: str              # account alias
    role_name: str
    description: str
    trust: dict[str, Any]
    policies: dict[str, dict[str, Any]]           # customer managed policies to create and attach
    inline: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    max_session_duration: int = 3600

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_IDS[self.account]}:role/{self.role_name}"


ROLES: tuple[DemoRole, ...] = (
    DemoRole(
        account="acme-prod",
        role_name="Admin",
        description="Production administrator: MFA required, every use needs a reason",
        trust=_doc(_trust_account(IDENTITY, **MFA_CONDITION)),
        policies={
            "AcmeAdministratorAccess": _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        },
        inline={
            "ProtectAuditTrail": _doc(
                {
                    "Sid": "KeepTheLights",
                    "Effect": "Deny",
                    "Action": [
                        "cloudtrail:StopLogging",
                        "cloudtrail:DeleteTrail",
                        "organizations:LeaveOrganization",
                        "iam:DeleteAccountPasswordPolicy",
                    ],
                    "Resource": "*",
                }
            ),
        },
        tags={"environment": "prod", "owner": "sre"},
        max_session_duration=3600,
    ),
    DemoRole(
        account="acme-prod",
        role_name="ReadOnly",
        description="Production read-only: MFA required, 12-hour sessions allowed",
        trust=_doc(_trust_account(IDENTITY, **MFA_CONDITION)),
        policies={
            "AcmeReadOnly": _doc(
                {
                    "Sid": "ReadMostThings",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:Describe*",
                        "s3:Get*",
                        "s3:List*",
                        "cloudwatch:Get*",
                        "cloudwatch:List*",
                        "logs:FilterLogEvents",
                        "logs:GetLogEvents",
                        "rds:Describe*",
                        "lambda:List*",
                        "lambda:Get*",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "NotTheSecrets",
                    "Effect": "Deny",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::acme-prod-secrets/*",
                },
            ),
        },
        tags={"environment": "prod", "owner": "sre"},
        max_session_duration=43200,
    ),
    DemoRole(
        account="acme-staging",
        role_name="Developer",
        description="Staging developer, ABAC: may touch only resources tagged with the caller's dept",
        trust=_doc(_trust_account(IDENTITY)),
        policies={
            "AcmeAbacDeveloper": _doc(
                {"Sid": "SeeEverything", "Effect": "Allow", "Action": ["ec2:Describe*", "s3:ListAllMyBuckets"], "Resource": "*"},
                {
                    "Sid": "OperateOwnDeptInstances",
                    "Effect": "Allow",
                    "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
                    "Resource": f"arn:aws:ec2:*:{STAGING}:instance/*",
                    "Condition": {"StringEquals": {"aws:ResourceTag/dept": "${aws:PrincipalTag/dept}"}},
                },
                {
                    "Sid": "OwnDeptBuckets",
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": [
                        "arn:aws:s3:::acme-staging-${aws:PrincipalTag/dept}-*",
                        "arn:aws:s3:::acme-staging-${aws:PrincipalTag/dept}-*/*",
                    ],
                },
                {
                    "Sid": "ChainToDeployer",
                    "Effect": "Allow",
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Resource": f"arn:aws:iam::{STAGING}:role/Deployer",
                },
            ),
        },
        tags={"dept": "platform", "environment": "staging"},
        max_session_duration=14400,
    ),
    DemoRole(
        account="acme-staging",
        role_name="Deployer",
        description="Staging deployer, reached only by chaining from Developer (1-hour cap)",
        trust=_doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{STAGING}:role/Developer"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ),
        policies={
            "AcmeDeploy": _doc(
                {"Sid": "Stacks", "Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
                {
                    "Sid": "Artifacts",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:GetObject"],
                    "Resource": "arn:aws:s3:::acme-staging-artifacts/*",
                },
                {
                    "Sid": "PassExecutionRole",
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": f"arn:aws:iam::{STAGING}:role/CloudFormationExecution",
                },
            ),
        },
        tags={"environment": "staging"},
    ),
    DemoRole(
        account="partner-audit",
        role_name="AcmeAuditReadOnly",
        description="A third party's account: assumable only with the External ID they issued",
        trust=_doc(_trust_account(IDENTITY, StringEquals={"sts:ExternalId": PARTNER_EXTERNAL_ID})),
        policies={
            "PartnerSecurityAudit": _doc(
                {
                    "Effect": "Allow",
                    "Action": [
                        "iam:Get*",
                        "iam:List*",
                        "iam:GenerateCredentialReport",
                        "cloudtrail:LookupEvents",
                        "cloudtrail:Describe*",
                        "config:Describe*",
                        "guardduty:Get*",
                        "guardduty:List*",
                    ],
                    "Resource": "*",
                }
            ),
        },
        tags={"vendor": "partner-audit"},
    ),
    DemoRole(
        account="acme-staging",
        role_name="LegacyVendorAccess",
        description="Risky trust: a vendor's whole account without External ID, and anyone at all",
        trust=_doc(
            {
                "Sid": "VendorWithoutExternalId",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{PARTNER}:root", f"arn:aws:iam::{IDENTITY}:root"]},
                "Action": "sts:AssumeRole",
            },
            {"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        ),
        policies={
            "LegacyVendorBucket": _doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::acme-staging-vendor-drop", "arn:aws:s3:::acme-staging-vendor-drop/*"],
                }
            ),
        },
        tags={"environment": "staging", "risk": "review"},
    ),
    DemoRole(
        account="acme-staging",
        role_name="CiDeployer",
        description="GitHub Actions OIDC role (AssumeRoleWithWebIdentity)",
        trust=_doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": OIDC_PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{OIDC_HOST}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{OIDC_HOST}:sub": "repo:acme/*:ref:refs/heads/main"},
                },
            }
        ),
        policies={
            "AcmeCiDeploy": _doc(
                {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::acme-staging-artifacts/*"}
            ),
        },
        tags={"environment": "staging", "owner": "ci"},
    ),
    DemoRole(
        account="acme-staging",
        role_name="SamlEngineer",
        description="Corporate IdP single sign-on (AssumeRoleWithSAML)",
        trust=_doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": SAML_PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
            }
        ),
        policies={
            "AcmeSamlEngineer": _doc(
                {"Effect": "Allow", "Action": ["ec2:Describe*", "logs:FilterLogEvents"], "Resource": "*"}
            ),
        },
        tags={"environment": "staging", "owner": "it"},
    ),
)
ROLE_BY_NAME = {role.role_name: role for role in ROLES}

USER_POLICY = _doc(
    {
        "Sid": "AssumeAcmeRoles",
        "Effect": "Allow",
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        "Resource": [f"arn:aws:iam::{PROD}:role/*", f"arn:aws:iam::{STAGING}:role/*", f"arn:aws:iam::{PARTNER}:role/*"],
    },
    {"Sid": "MfaSession", "Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"},
    {
        "Sid": "FederateProxyUsers",
        "Effect": "Allow",
        "Action": ["sts:GetFederationToken", "sts:TagSession"],
        "Resource": f"arn:aws:sts::{IDENTITY}:federated-user/*",
    },
    {
        "Sid": "ManageOwnMfa",
        "Effect": "Allow",
        "Action": ["iam:ListMFADevices", "iam:ResyncMFADevice"],
        "Resource": f"arn:aws:iam::{IDENTITY}:user/${{aws:username}}",
    },
)


@dataclass(frozen=True)
class SeedResult:
    """What seeding created that the config files need."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    user_arn: str
    mfa_serial: str


class _AccountClient:
    """One boto3 IAM client whose calls go to the account named by ``account_id`` (moto's header)."""

    def __init__(self, endpoint: str) -> None:
        import os

        import botocore.session  # deferred: importing roleswitch.demo stays cheap

        self.account_id = IDENTITY
        # Immune to the caller's environment: no AWS_PROFILE, no config or credentials files.
        session = botocore.session.Session(
            session_vars={
                "profile": (None, None, None, None),
                "config_file": (None, None, os.devnull, None),
                "credentials_file": (None, None, os.devnull, None),
            }
        )
        self.client = session.create_client(
            "iam",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="AKIADEMOSEEDER000000",
            aws_secret_access_key="demo-seeder-not-a-secret",
        )
        self.client.meta.events.register("before-sign", self._pick_account)

    def _pick_account(self, request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = self.account_id

    def on(self, alias: str) -> Any:
        """The client, now acting in account ``alias``."""
        self.account_id = ACCOUNT_IDS[alias]
        return self.client


def seed(endpoint: str) -> SeedResult:
    """Create the demo accounts' IAM (user, MFA device, OIDC and SAML providers, roles, policies) in moto at
    ``endpoint``.

    Raises botocore errors if the server is unreachable or already holds the demo's resources.
    """
    accounts = _AccountClient(endpoint)
    iam = accounts.on("acme-identity")
    iam.create_user(UserName=USER_NAME, Tags=[{"Key": "dept", "Value": "platform"}, {"Key": "team", "Value": "sre"}])
    iam.put_user_policy(UserName=USER_NAME, PolicyName="AssumeAcmeRoles", PolicyDocument=json.dumps(USER_POLICY))
    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=USER_NAME)["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName=USER_NAME,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    user_arn = iam.get_user(UserName=USER_NAME)["User"]["Arn"]

    accounts.on("acme-staging").create_open_id_connect_provider(
        Url=f"https://{OIDC_HOST}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    accounts.on("acme-staging").create_saml_provider(Name="AcmeIdP", SAMLMetadataDocument=_SAML_METADATA)
    for role in ROLES:
        client = accounts.on(role.account)
        client.create_role(
            RoleName=role.role_name,
            AssumeRolePolicyDocument=json.dumps(role.trust),
            Description=role.description,
            MaxSessionDuration=role.max_session_duration,
            Tags=[{"Key": k, "Value": v} for k, v in role.tags.items()],
        )
        for policy_name, document in role.policies.items():
            arn = client.create_policy(PolicyName=policy_name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
            client.attach_role_policy(RoleName=role.role_name, PolicyArn=arn)
        for policy_name, document in role.inline.items():
            client.put_role_policy(RoleName=role.role_name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    return SeedResult(
        access_key_id=key["AccessKeyId"],
        secret_access_key=key["SecretAccessKey"],
        user_arn=user_arn,
        mfa_serial=device["SerialNumber"],
    )
