"""A JupyterLab server of its own for the browser tests: a free port, a token, a folder of its own.

Its config, data and runtime folders are in that folder: nothing of the user's is read or written,
and its notebook secret and signature database (what makes a notebook *trusted*) are its own, so a
notebook written there is untrusted unless the test signs it with :func:`notary`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "micrograd-browser-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(what: str, ready: Callable[[], Any], timeout: float = 60.0) -> Any:
    """``ready()``'s first true value, asked every 0.2 s; AssertionError naming ``what`` after ``timeout`` s."""
    end = time.monotonic() + timeout
    while True:
        try:
            value = ready()
        except Exception:  # noqa: BLE001  (the page is still being built: try again)
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _settings(home: Path, plugin: str, values: dict[str, Any]) -> None:
    package, name = plugin.split(":")
    folder = home / "settings" / package
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values))


@contextmanager
def jupyterlab(home: Path) -> Iterator[str]:
    """A JupyterLab server serving ``home``, stopped on leaving: its URL of a notebook, ``.format(name)``."""
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ):
        env[var] = str(home / sub)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={home}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        "--LabApp.extension_manager=readonly",  # no look-ups of extensions on the network
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # a container's root: the server asks to be told
        command.append("--allow-root")
    # no news, no announcements: nothing pops up over the notebook
    _settings(home, "@jupyterlab/apputils-extension:notification", {"fetchNews": "false", "checkForUpdates": False})
    # every cell in the page (not only those scrolled to), so the tests can read every output
    _settings(home, "@jupyterlab/notebook-extension:tracker", {"windowingMode": "none"})
    log = open(home / "server.log", "wb")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait("the JupyterLab server", lambda: urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2))
        yield f"{base}/lab/tree/{{}}?token={TOKEN}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def notary(home: Path) -> Any:
    """The notebook notary of the server serving ``home`` (its secret, its signatures): ``notary(home).sign(nb)``
    trusts a notebook there, as ``jupyter trust`` does."""
    from nbformat.sign import NotebookNotary

    (home / "data").mkdir(exist_ok=True)
    return NotebookNotary(data_dir=str(home / "data"))
