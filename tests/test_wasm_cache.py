"""The compiled WebAssembly Graphviz kept in the user's cache is native code: it is loaded only from a
folder and a file that no other user could have written, and writing it never follows a planted link.

Each test counts what the render did: compiled the module (``wasmtime.Module(...)``) or loaded
compiled code (``wasmtime.Module.deserialize``, which runs whatever native code it is given).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections import Counter
from pathlib import Path

import pytest

from micrograd.drawing import wasm

wasmtime = pytest.importorskip("wasmtime")


@pytest.fixture(scope="module")
def code() -> bytes:
    return wasm._wasm_bytes()


@pytest.fixture(scope="module")
def good_cache(code: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a cache file this wasmtime wrote (one compile for the whole module)."""
    home = tmp_path_factory.mktemp("good")
    with pytest.MonkeyPatch.context() as m:
        m.setenv("XDG_CACHE_HOME", str(home))
        wasm.Graphviz(code)
        return wasm.cache_file(code).read_bytes()  # type: ignore[union-attr]


@pytest.fixture
def cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty ``$XDG_CACHE_HOME`` for this test; the cache folder is ``cache_home / 'micrograd'``."""
    home = tmp_path / "cache"
    home.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def done(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """What the renders did: ``compiled`` and ``deserialized`` counted (the real work still done)."""
    counts: Counter[str] = Counter()
    compile_, deserialize = wasmtime.Module.__init__, wasmtime.Module.deserialize

    def compiling(self, *args, **kwargs) -> None:
        counts["compiled"] += 1
        compile_(self, *args, **kwargs)

    def deserializing(cls, engine, blob):
        counts["deserialized"] += 1
        return deserialize(engine, blob)

    monkeypatch.setattr(wasmtime.Module, "__init__", compiling)
    monkeypatch.setattr(wasmtime.Module, "deserialize", classmethod(deserializing))
    return counts


def renders(code: bytes) -> bool:
    """A new Graphviz (as in a new process) lays out a small graph."""
    return b"<svg" in wasm.Graphviz(code).svg("digraph { a -> b }")


def contents(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry of ``folder``: its bytes (a link: where it points) and its mode, not following links."""
    seen = {}
    for entry in folder.iterdir():
        st = entry.lstat()
        body = os.readlink(entry).encode() if entry.is_symlink() else entry.read_bytes()
        seen[entry.name] = (body, st.st_mode)
    return seen


def tampered(blob: bytes) -> bytes:
    """``blob`` with bytes of its compiled code changed and its checksum recomputed, as an attacker would."""
    tag_end = blob.index(b"\n") + 1
    payload = bytearray(blob[tag_end + 32 :])
    payload[len(payload) // 2 : len(payload) // 2 + 64] = b"\xcc" * 64  # int3: SIGTRAP if run
    return blob[:tag_end] + hashlib.sha256(payload).digest() + bytes(payload)


# ---------------------------------------------------------------- the normal case


def test_the_first_render_compiles_into_a_private_cache_and_the_next_loads_it(
    code: bytes, cache_home: Path, done: Counter[str]
) -> None:
    assert renders(code)
    assert done == {"compiled": 1}
    folder = cache_home / "micrograd"
    (cached,) = folder.iterdir()  # no temporary file left behind
    assert cached == wasm.cache_file(code)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600  # only its owner reads or writes it
    assert renders(code)
    assert done == {"compiled": 1, "deserialized": 1}  # the second Graphviz loaded the compiled code


# ---------------------------------------------------------------- a link planted at the cache file's name


@pytest.mark.parametrize("victim_exists", [True, False], ids=["victim", "dangling"])
def test_a_link_planted_at_the_cache_files_name_is_not_followed(
    code: bytes, cache_home: Path, tmp_path: Path, done: Counter[str], victim_exists: bool
) -> None:
    victim = tmp_path / "victim.txt"
    if victim_exists:
        victim.write_bytes(b"the user's precious file\n")
    folder = cache_home / "micrograd"
    folder.mkdir(mode=0o700)
    name = wasm.cache_file(code)
    assert name is not None
    name.symlink_to(victim)
    assert renders(code)
    if victim_exists:
        assert victim.read_bytes() == b"the user's precious file\n"  # neither read as a cache nor overwritten
    else:
        assert not victim.exists()  # not created through the link
    assert done == {"compiled": 1}
    assert not name.is_symlink() and stat.S_ISREG(name.lstat().st_mode)  # the link replaced by the cache itself
    assert renders(code) and done == {"compiled": 1, "deserialized": 1}


# ---------------------------------------------------------------- a cache folder another user could write


def _planted_folder(cache_home: Path, good_cache: bytes, code: bytes, mode: int) -> Path:
    """The cache folder made ahead of us with ``mode``, holding a good cache file."""
    folder = cache_home / "micrograd"
    folder.mkdir()
    name = wasm.cache_file(code)
    assert name is not None and name.parent == folder
    name.write_bytes(good_cache)
    name.chmod(0o600)
    folder.chmod(mode)
    return folder


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o703, 0o1777])
def test_a_cache_folder_others_can_write_is_not_used(
    code: bytes, cache_home: Path, good_cache: bytes, done: Counter[str], mode: int
) -> None:
    folder = _planted_folder(cache_home, good_cache, code, mode)
    before = contents(folder)
    assert renders(code)
    assert done == {"compiled": 1}  # compiled in memory: the cache neither loaded ...
    assert contents(folder) == before  # ... nor written
    assert stat.S_IMODE(folder.stat().st_mode) == mode


def test_a_cache_folder_owned_by_another_user_is_not_used(
    code: bytes, cache_home: Path, good_cache: bytes, done: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _planted_folder(cache_home, good_cache, code, 0o755)  # readable by all, writable by its owner only
    before = contents(folder)
    someone_else = os.geteuid() + 1
    monkeypatch.setattr(os, "geteuid", lambda: someone_else)  # the folder (and file) now belong to another user
    monkeypatch.setattr(os, "getuid", lambda: someone_else)
    assert renders(code)
    assert done == {"compiled": 1}
    assert contents(folder) == before


def test_a_cache_folder_that_is_a_link_is_not_used(
    code: bytes, cache_home: Path, good_cache: bytes, tmp_path: Path, done: Counter[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    name = wasm.cache_file(code)
    assert name is not None
    (elsewhere / name.name).write_bytes(good_cache)
    (cache_home / "micrograd").symlink_to(elsewhere, target_is_directory=True)
    before = contents(elsewhere)
    assert renders(code)
    assert done == {"compiled": 1}
    assert contents(elsewhere) == before


# ---------------------------------------------------------------- a tampered cache, its checksum recomputed


@pytest.fixture
def never_deserialize(monkeypatch: pytest.MonkeyPatch, done: Counter[str]) -> Counter[str]:
    """``done``, but loading compiled code fails the test instead of running it (it could be anything)."""

    def refuse(cls, engine, blob):
        pytest.fail("a tampered cache was deserialized: its native code would have run")

    monkeypatch.setattr(wasmtime.Module, "deserialize", classmethod(refuse))
    return done


@pytest.mark.parametrize("folder_mode, file_mode", [(0o777, 0o600), (0o700, 0o666), (0o700, 0o620), (0o755, 0o602)])
def test_a_tampered_cache_that_others_could_have_written_is_never_deserialized(
    code: bytes,
    cache_home: Path,
    good_cache: bytes,
    never_deserialize: Counter[str],
    folder_mode: int,
    file_mode: int,
) -> None:
    folder = _planted_folder(cache_home, tampered(good_cache), code, folder_mode)
    name = wasm.cache_file(code)
    assert name is not None
    name.chmod(file_mode)
    assert renders(code)
    assert never_deserialize == {"compiled": 1}
    if folder_mode & 0o022:
        assert name.read_bytes() == tampered(good_cache)  # a folder others can write is left alone
    else:  # our own folder: the file others could write is replaced by a good one, only ours
        assert name.read_bytes() != tampered(good_cache)
        assert stat.S_IMODE(name.stat().st_mode) == 0o600
        assert [p.name for p in folder.iterdir()] == [name.name]
