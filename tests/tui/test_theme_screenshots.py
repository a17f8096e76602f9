"""tests/screenshots.py, the README screenshot generator, run for real on one screen: demo backend,
real sessions from its STS, the real app, an SVG with no secret in it."""

from __future__ import annotations

import importlib.util
import os

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "screenshots.py")


@pytest.fixture(scope="module")
def screenshots():
    spec = importlib.util.spec_from_file_location("rs_screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_screenshot_from_the_demo_is_masked(screenshots, tmp_path, monkeypatch) -> None:
    before = dict(os.environ)
    leaked: list[str] = []
    original = screenshots.World.secrets

    def secrets(world):  # the real secrets, kept so this test can check them too
        found = original(world)
        leaked.extend(found)
        return found

    monkeypatch.setattr(screenshots.World, "secrets", secrets)
    assert screenshots.main(["--out", str(tmp_path), "--only", "export"]) == 0
    assert dict(os.environ) == before  # the demo's variables are gone again
    svg = (tmp_path / "export.svg").read_text(encoding="utf-8")
    assert "Export" in svg and "prod-admin" in svg and "AWS_SECRET_ACCESS_KEY" in svg
    assert len(leaked) >= 4  # MFA session + three role sessions: secret keys and tokens
    for secret in leaked:
        assert secret not in svg
    assert os.listdir(tmp_path) == ["export.svg"]


def test_a_secret_on_screen_fails_the_run_and_deletes_the_svg(screenshots, tmp_path, monkeypatch) -> None:
    original = screenshots.World.secrets
    # Pretend the key id (which the export preview does show) were secret: the guard must trip.
    def secrets(world):
        shown = [e.session.credentials.access_key_id for e in world.cache.entries()
                 if e.session.profile == "prod-admin"]
        return original(world) | set(shown)

    monkeypatch.setattr(screenshots.World, "secrets", secrets)
    assert screenshots.main(["--out", str(tmp_path), "--only", "export"]) == 1
    assert os.listdir(tmp_path) == []
