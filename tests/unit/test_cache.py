"""The credential cache: permissions, atomic replace, expiry margin, garbage tolerance, forget, locking."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roleswitch.core import cache as cachemod
from roleswitch.core.cache import CredentialCache, cache_key, config_stamp, fast_lookup, options_digest
from roleswitch.core.model import Credentials, Session, StsApi

NOW = datetime(2026, 11, 3, 12, 0, 0, tzinfo=UTC)
SECRET = "s3cr3t/SECRET+key=="
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN///"


def make_session(profile: str = "prod-admin", *, minutes: float = 60, now: datetime = NOW) -> Session:
    return Session(
        profile=profile,
        credentials=Credentials("ASIAEXAMPLE", SECRET, TOKEN, now + timedelta(minutes=minutes)),
        api=StsApi.ASSUME_ROLE,
        role_arn="arn:aws:iam::111111111111:role/Admin",
        assumed_arn="arn:aws:sts::111111111111:assumed-role/Admin/alice",
        account_id="111111111111",
        region="eu-west-1",
        session_name="alice",
        tags=(("team", "sre"),),
        created=now,
    )


@pytest.fixture
def cache(tmp_path: Path) -> CredentialCache:
    return CredentialCache(str(tmp_path / "cache"), now=lambda: NOW, stamp="stamp-1")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_put_get_round_trip_with_private_permissions(cache: CredentialCache, tmp_path: Path) -> None:
    os.umask(0o022)  # a typical umask: the cache must not rely on it
    session = make_session()
    key = cache.key("prod-admin")
    cache.put(key, session, fingerprint="fp1")
    assert cache.get(key) == session
    root = tmp_path / "cache"
    assert mode(root) == 0o700
    assert mode(root / "sessions") == 0o700
    assert mode(root / "locks") == 0o700
    files = list((root / "sessions").iterdir())
    assert [f.name for f in files] == [key + ".json"]
    assert mode(files[0]) == 0o600
    record = json.loads(files[0].read_text())
    assert record["fingerprint"] == "fp1" and record["stamp"] == "stamp-1" and record["name"] == "prod-admin"
    assert record["expires_at"] == (NOW + timedelta(minutes=60)).timestamp()


def test_existing_loose_directory_is_tightened(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    CredentialCache(str(root), now=lambda: NOW, stamp="s").put("k", make_session())
    assert mode(root) == 0o700


def test_expiry_margin(tmp_path: Path) -> None:
    key = "k"
    short = CredentialCache(str(tmp_path), now=lambda: NOW, stamp="s")  # default margin 300 s
    short.put(key, make_session(minutes=5))  # exactly at the margin: expired
    assert short.get(key) is None
    short.put(key, make_session(minutes=5.1))
    assert short.get(key) is not None
    wide = CredentialCache(str(tmp_path), now=lambda: NOW, stamp="s", margin_seconds=900)
    assert wide.get(key) is None  # configurable margin
    assert wide.get(key, margin_seconds=0) is not None
    later = CredentialCache(str(tmp_path), now=lambda: NOW + timedelta(hours=1), stamp="s", margin_seconds=0)
    assert later.get(key) is None  # expired outright
    assert [e.key for e in later.entries()] == [key]  # still listed, for `status`


def test_fingerprint_mismatch_is_a_miss(cache: CredentialCache) -> None:
    key = cache.key("p")
    cache.put(key, make_session("p"), fingerprint="old")
    assert cache.get(key, fingerprint="old") is not None
    assert cache.get(key, fingerprint="new") is None
    assert cache.get(key) is not None


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\x00\xff" * 50, b"[]", b'{"version": 1}',
                                     b'{"version": 1, "session": {"credentials": {}}}',
                                     b'{"version": 99, "session": {"credentials": {}}}'])
def test_garbage_file_is_ignored_and_replaced(cache: CredentialCache, garbage: bytes) -> None:
    key = cache.key("p")
    cache.put(key, make_session("p"))
    path = Path(cache.path(key))
    path.write_bytes(garbage)
    assert cache.get(key) is None
    assert cache.entries() == []
    assert fast_lookup(cache.directory, key, cache.stamp) is None
    cache.put(key, make_session("p"))
    assert cache.get(key) == make_session("p")
    assert json.loads(path.read_bytes())["version"] == 1


def test_file_readable_by_others_or_not_ours_is_refused(cache: CredentialCache) -> None:
    key = cache.key("p")
    cache.put(key, make_session("p"))
    path = Path(cache.path(key))
    path.chmod(0o644)
    assert cache.get(key) is None
    path.chmod(0o600)
    assert cache.get(key) is not None


def test_atomic_replace_never_shows_half_a_file(cache: CredentialCache) -> None:
    """A reader polling while writers replace the file sees either a whole old or a whole new entry."""
    key = cache.key("p")
    cache.put(key, make_session("p"))
    stop = threading.Event()
    seen: list[str | None] = []

    def reader() -> None:
        while not stop.is_set():
            raw = Path(cache.path(key)).read_bytes()
            seen.append(json.loads(raw)["session"]["profile"])  # raises if ever half written

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(150):
            cache.put(key, make_session(f"p{i % 3}"))
    finally:
        stop.set()
        thread.join()
    assert seen and set(seen) <= {"p", "p0", "p1", "p2"}
    leftovers = [n for n in os.listdir(cache.sessions_dir) if n != key + ".json"]
    assert leftovers == []  # no temp files left behind


def test_forget_one_profile_or_everything(cache: CredentialCache) -> None:
    cache.put(cache.key("a"), make_session("a"))
    cache.put(cache.key("a", options_digest(duration_seconds=900)), make_session("a"))
    cache.put(cache.key("b"), make_session("b"))
    cache.put(cache.key("mfa:arn:aws:iam::1:mfa/x"), make_session("mfa:arn:aws:iam::1:mfa/x"))
    Path(cache.sessions_dir, "junk.json").write_bytes(b"garbage")
    assert cache.forget("nope") == 0
    assert cache.forget("a") == 2
    assert sorted(e.name for e in cache.entries()) == ["b", "mfa:arn:aws:iam::1:mfa/x"]
    assert cache.forget() == 3  # b, the MFA session and the garbage file
    assert os.listdir(cache.sessions_dir) == []
    assert CredentialCache(str(Path(cache.directory) / "never-created")).forget() == 0


def test_entries_sorted_by_expiry_and_secrets_not_in_repr(cache: CredentialCache) -> None:
    cache.put(cache.key("late"), make_session("late", minutes=90))
    cache.put(cache.key("soon"), make_session("soon", minutes=10))
    entries = cache.entries()
    assert [e.name for e in entries] == ["soon", "late"]
    text = repr(entries)
    assert SECRET not in text and TOKEN not in text


def test_keys_are_safe_distinct_and_stable() -> None:
    assert cache_key("prod") == cache_key("prod")
    assert cache_key("prod") != cache_key("prod", "d")
    assert cache_key("a/b") != cache_key("a_b")  # same slug, different names
    for name in ("../../etc/passwd", ".hidden", "x" * 500, "ünï cödé", "a\nb", ""):
        key = cache_key(name)
        assert "/" not in key and not key.startswith(".") and len(key) < 100
        assert set(key) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def test_options_digest_is_order_independent_and_empty_for_defaults() -> None:
    assert options_digest() == ""
    a = options_digest(tags=[("b", "2"), ("a", "1")], transitive_tag_keys=["b", "a"], policy_arns=["y", "x"])
    b = options_digest(tags=[("a", "1"), ("b", "2")], transitive_tag_keys=["a", "b"], policy_arns=["x", "y"])
    assert a == b and a != ""
    assert options_digest(duration_seconds=900) != options_digest(duration_seconds=901)
    assert options_digest(region="eu-west-1") != options_digest(region="us-east-1")
    assert options_digest(policy_json='{"a":1}') != options_digest(policy_json='{"a":2}')


def test_engine_options_digest_is_the_fast_path_digest() -> None:
    """The fast path computes keys without the engine: both must agree or the fast path never hits."""
    from roleswitch.core.engine import AssumeOptions

    assert AssumeOptions().digest() == ""
    opts = AssumeOptions(duration_seconds=1800, tags=(("team", "sre"),), transitive_tag_keys=("team",),
                         source_identity="alice", session_name="alice-s", policy_arns=("arn:aws:iam::aws:policy/X",),
                         region="eu-west-1", mfa_code="123456", external_id="secret-ext", reason="why")
    assert opts.digest() == options_digest(
        duration_seconds=1800, tags=[("team", "sre")], transitive_tag_keys=["team"], source_identity="alice",
        session_name="alice-s", policy_arns=["arn:aws:iam::aws:policy/X"], region="eu-west-1")


def test_config_stamp_changes_with_any_file(tmp_path: Path) -> None:
    files = [tmp_path / n for n in ("config", "credentials", "config.toml")]
    stamp = config_stamp(*map(str, files))
    assert stamp == config_stamp(*map(str, files))
    for f in files:
        f.write_text("x")
        new = config_stamp(*map(str, files))
        assert new != stamp
        stamp = new
    files[0].write_text("yy")  # same inode, new size/mtime
    assert config_stamp(*map(str, files)) != stamp


def test_fast_lookup_needs_matching_stamp_fingerprint_and_time(tmp_path: Path) -> None:
    real_now = datetime.now(UTC)
    c = CredentialCache(str(tmp_path), now=lambda: real_now, stamp="S1")
    c.put("k", make_session(minutes=60, now=real_now), fingerprint="fp")
    assert fast_lookup(str(tmp_path), "k", "S1")["profile"] == "prod-admin"
    assert fast_lookup(str(tmp_path), "k", "S2") is None  # config changed since
    assert fast_lookup(str(tmp_path), "k", "S1", min_margin=3601) is None  # credential_process margin
    c.put("k", make_session(minutes=60, now=real_now), fingerprint="")
    assert fast_lookup(str(tmp_path), "k", "S1") is None  # never verified against a role definition
    c.put("k", make_session(minutes=4, now=real_now), fingerprint="fp")
    assert fast_lookup(str(tmp_path), "k", "S1") is None  # within the recorded 300 s margin
    assert c.restamp("k", stamp="S2") and fast_lookup(str(tmp_path), "k", "S2", min_margin=0) is None
    assert not c.restamp("missing")


def test_restamp_updates_stamp_and_fingerprint(cache: CredentialCache) -> None:
    cache.put("k", make_session(), fingerprint="")
    other = CredentialCache(cache.directory, now=lambda: NOW, stamp="stamp-2")
    assert other.restamp("k", fingerprint="fp9")
    entry = other.entry("k")
    assert entry is not None and entry.stamp == "stamp-2" and entry.fingerprint == "fp9"


def test_lock_is_reentrant_in_one_thread(cache: CredentialCache) -> None:
    with cache.lock("k"), cache.lock("k"), cache.lock("other"):
        pass
    with cache.lock("k"):  # released properly: can be taken again
        pass


def test_lock_excludes_other_threads(cache: CredentialCache) -> None:
    order: list[str] = []
    inside = threading.Event()

    def other() -> None:
        with cache.lock("k"):
            order.append("other")

    with cache.lock("k"):
        thread = threading.Thread(target=other)
        thread.start()
        inside.wait(0.2)
        order.append("first")
    thread.join()
    assert order == ["first", "other"]


def _hold_lock(directory: str, started: object, release: object) -> None:
    c = CredentialCache(directory, stamp="s")
    with c.lock("k"):
        started.set()  # type: ignore[attr-defined]
        release.wait(10)  # type: ignore[attr-defined]


def test_lock_excludes_other_processes(cache: CredentialCache) -> None:
    ctx = multiprocessing.get_context("fork")
    started, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(cache.directory, started, release))
    proc.start()
    try:
        assert started.wait(10)
        got = threading.Event()

        def take() -> None:
            with cache.lock("k"):
                got.set()

        thread = threading.Thread(target=take)
        thread.start()
        assert not got.wait(0.3)  # blocked while the other process holds it
        release.set()
        assert got.wait(10)
        thread.join()
    finally:
        release.set()
        proc.join(10)


def test_single_flight_makes_one_call_for_many_threads(cache: CredentialCache) -> None:
    """check, lock, re-check, call: 12 concurrent callers, one fetch."""
    calls: list[int] = []
    key = cache.key("p")

    def obtain() -> Session:
        if (hit := cache.get(key)) is not None:
            return hit
        with cache.lock(key):
            if (hit := cache.get(key)) is not None:
                return hit
            calls.append(1)
            time.sleep(0.05)
            session = make_session("p")
            cache.put(key, session)
            return session

    results: list[Session] = []
    threads = [threading.Thread(target=lambda: results.append(obtain())) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 12


def test_cache_module_is_stdlib_only_at_import() -> None:
    import subprocess
    import sys

    code = ("import sys, roleswitch.core.cache, roleswitch.core.export;"
            "bad = {'boto3','botocore','textual','rich','platformdirs','pathlib','dataclasses','datetime',"
            "'roleswitch.core.model','hashlib'} & set(sys.modules); print(sorted(bad))")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(cachemod.__file__).parents[2])})
    assert out.stdout.strip() == "[]"


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20))
def test_fast_path_json_reader_agrees_with_json_loads(value: object) -> None:
    """cache._loads (the C scanner without the json package) reads exactly what json writes."""
    from roleswitch.core.cache import _loads

    for text in (json.dumps(value), json.dumps(value, indent=1, sort_keys=True) + "\n"):
        assert _loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ["", "{", "{}x", "nul", '{"a":}', "[1,]"])
def test_fast_path_json_reader_rejects_what_json_rejects(text: str) -> None:
    from roleswitch.core.cache import _loads

    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        _loads(text)
