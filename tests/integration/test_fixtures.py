"""The shared fixtures themselves: isolation and the moto reset really work."""

from __future__ import annotations

import os

import boto3
import pytest


def test_aws_env_is_isolated_and_reaches_moto(aws_env) -> None:
    assert os.environ["HOME"] == str(aws_env.home)
    assert "AWS_PROFILE" not in os.environ and "AWS_ACCESS_KEY_ID" not in os.environ
    assert os.environ["AWS_ENDPOINT_URL"] == aws_env.endpoint
    identity = boto3.client("sts").get_caller_identity()
    assert identity["Account"] == "123456789012"
    boto3.client("iam").create_role(RoleName="Leftover", AssumeRolePolicyDocument="{}")


def test_moto_state_is_wiped_between_tests(aws_env) -> None:
    names = [r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]]
    assert "Leftover" not in names


def test_isolated_env_has_no_endpoint(isolated_env) -> None:
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert os.environ["ROLESWITCH_CACHE_DIR"].startswith(str(isolated_env.home))
    assert not isolated_env.config_file.exists()


@pytest.mark.usefixtures("aws_env")
def test_managed_policies_fixture(moto_managed_policies) -> None:
    policy = boto3.client("iam").get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert policy["Policy"]["PolicyName"] == "ReadOnlyAccess"

