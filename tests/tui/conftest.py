"""Fixtures of the TUI tests (pilot and snapshots): apps built with injected parts, a real Engine over the
shared moto server, and async tests run with asyncio.run (the project has no pytest async plugin)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from rs_tui_support import FIXED_NOW, MutableClock, RoleCatalogue, Settings, StsRecorder, sample_roles

from roleswitch.core.model import AwsProfile, Role


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests of this folder in a fresh event loop."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


@pytest.fixture
def recorder() -> StsRecorder:
    return StsRecorder()


@pytest.fixture
def make_app(tmp_path: Any) -> Callable[..., Any]:
    """Build a RoleswitchApp with injected parts; ``engine=True`` wires a real Engine (needs aws_env)."""

    def build(roles: list[Role] | None = None, *, clock: Any = None, settings: Settings | None = None,
              profiles: dict[str, AwsProfile] | None = None, engine_factory: Any = None,
              recorder: StsRecorder | None = None, cache_dir: str | None = None, **kwargs: Any) -> Any:
        from roleswitch.tui.app import RoleswitchApp

        clock = clock or MutableClock(FIXED_NOW)
        catalogue = RoleCatalogue(roles if roles is not None else sample_roles(), profiles, settings)
        cache = None
        if recorder is not None:
            from roleswitch.core.cache import CredentialCache

            cache = CredentialCache(cache_dir or str(tmp_path / "cache"), now=clock)

            def engine_factory() -> Any:
                from roleswitch.core.engine import Engine

                return Engine(catalogue, cache, now=clock, boto_session_factory=recorder.factory())

        kwargs.setdefault("recents_path", str(tmp_path / "recents.json"))
        return RoleswitchApp(catalogue, engine_factory, cache, clock, **kwargs)

    return build
