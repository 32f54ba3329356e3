"""Run Python code in a fresh interpreter with every outgoing connection refused and recorded."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

_GUARD = """
import socket
attempts = []
def refuse(self, address, *args, **kwargs):
    attempts.append(address)
    raise OSError("network blocked by test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)
"""
_CHECK = """
assert not attempts, f"network used: {attempts}"
print("OFFLINE-OK")
"""


def run_offline(code: str, drop_env: tuple[str, ...] = (), **env: str) -> str:
    """Run ``code`` with sockets refused; fails if it raised or tried to connect anywhere.

    ``drop_env`` removes variables first (e.g. to prove Candor sets them itself). Returns stdout.
    """
    environ = {k: v for k, v in os.environ.items() if k not in drop_env}
    environ.update(env)
    script = _GUARD + textwrap.dedent(code) + _CHECK
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environ, timeout=300
    )
    assert "OFFLINE-OK" in result.stdout, result.stderr[-2000:]
    return result.stdout
