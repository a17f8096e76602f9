"""``roleswitch lint`` on the demo's accounts (seeded into the session's moto): real findings, real exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roleswitch.demo import DemoEnv, populate
from roleswitch.demo.seed import PARTNER, PARTNER_EXTERNAL_ID


@pytest.fixture
def demo(moto_server: str, isolated_env: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> DemoEnv:
    root = tmp_path / "demo"
    root.mkdir()
    running = populate(moto_server, str(root))
    for name in running.unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in running.env.items():
        monkeypatch.setenv(name, value)
    return running


def by_rule(findings: list[dict], profile: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in findings:
        if f["profile"] == profile:
            out.setdefault(f["rule"], []).append(f)
    return out


def test_lint_json_on_the_demo_flags_the_risky_trust(demo: DemoEnv, run_cli: Any) -> None:
    result = run_cli("lint", "--json")
    assert result.returncode == 1, result.stderr  # high findings
    findings = json.loads(result.stdout)
    assert all(set(f) == {"profile", "role_arn", "rule", "severity", "message", "statement"} for f in findings)
    legacy = by_rule(findings, "staging-legacy")
    deputy = legacy["confused-deputy"]
    assert deputy[0]["severity"] == "high" and PARTNER in deputy[0]["message"]
    assert deputy[0]["statement"]["Sid"] == "VendorWithoutExternalId"
    assert deputy[0]["role_arn"] == "arn:aws:iam::222222222222:role/LegacyVendorAccess"
    wildcard = legacy["wildcard-principal"]
    assert wildcard[0]["severity"] == "high" and wildcard[0]["statement"]["Sid"] == "Everyone"
    # The partner's role requires the External ID: no confused-deputy there, and the secret never printed.
    partner = by_rule(findings, "partner-audit")
    assert "confused-deputy" not in partner
    assert PARTNER_EXTERNAL_ID not in result.stdout + result.stderr
    # Deployer trusts Developer only; defaults.source_identity = true but its trust lacks SetSourceIdentity.
    assert "missing-set-source-identity" in by_rule(findings, "staging-deploy")
    # The well-scoped OIDC role is clean.
    assert not {"oidc-missing-sub", "oidc-missing-aud"} & set(by_rule(findings, "ci-deployer"))


def test_lint_privileged_prod_admin_without_a_session(demo: DemoEnv, run_cli: Any) -> None:
    # prod-admin needs MFA and a reason: lint must not prompt; alice's keys cannot read acme-prod's IAM.
    result = run_cli("lint", "prod-admin", "--json")
    findings = json.loads(result.stdout)
    rules = {f["rule"] for f in findings}
    assert "incomplete" in rules
    incomplete = next(f for f in findings if f["rule"] == "incomplete")
    assert "MFA code" in incomplete["message"] or "reason" in incomplete["message"]
    assert result.returncode == 0  # nothing high is known


def test_lint_text_says_who_can_assume(demo: DemoEnv, run_cli: Any) -> None:
    result = run_cli("lint", "staging-legacy", "partner-audit")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "staging-legacy  arn:aws:iam::222222222222:role/LegacyVendorAccess" in out
    assert f"Can assume: any IAM identity in account {PARTNER} (partner-audit)" in out
    assert "Can assume: anyone: every AWS account and identity (public)" in out
    assert "HIGH   confused-deputy" in out and "[statement VendorWithoutExternalId]" in out
    assert "the caller gives the agreed External ID" in out
    assert out.rstrip().endswith("at least one high")


def test_lint_clean_role_exits_zero(demo: DemoEnv, run_cli: Any) -> None:
    result = run_cli("lint", "ci-deployer", "--json")
    assert result.returncode == 0, result.stderr
    assert [f["severity"] for f in json.loads(result.stdout)] in ([], ["info"])


def test_lint_unknown_profile_is_one_line(demo: DemoEnv, run_cli: Any) -> None:
    result = run_cli("lint", "nope")
    assert result.returncode == 3
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
