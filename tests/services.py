"""Services a test starts for itself, to break them for real."""

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import skip_or_fail


def free_port() -> int:
    """A port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def own_redis() -> Iterator[tuple[str, subprocess.Popen]]:
    """A Redis of the test's own, without persistence (what it holds goes with it):
    its URL, and the process, to stop it mid-way. Stopped at the end if still running."""
    port = free_port()
    try:
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        skip_or_fail("needs redis-server to start a Redis of the test's own")
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
