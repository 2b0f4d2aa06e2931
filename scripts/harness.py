"""A real ``qmarchive serve`` in a child process, for the tests and the benchmarks that talk HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from qmarchive.serve import DEFAULT_HOST


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextmanager
def child_server(
    archive: Path, index: Path, *, port: int | None = None, workers: int = 1, timeout: float = 30.0
) -> Iterator[str]:
    """``qmarchive serve`` in a child process on 127.0.0.1 for as long as the block runs; yields its base URL.

    For browser and load tests: a real server answering real HTTP. The child is stopped on leaving.
    """
    port = port or free_port()
    base = f"http://{DEFAULT_HOST}:{port}"
    command = [sys.executable, "-m", "qmarchive", "--archive", str(archive), "--index", str(index),
               "serve", "--host", DEFAULT_HOST, "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with tempfile.TemporaryFile() as log:  # a pipe nobody reads would fill up with the access log
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    httpx.get(f"{base}/-/versions.json", timeout=1)
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(
                            f"qmarchive serve did not answer on {base}: {log.read().decode(errors='replace')}"
                        ) from None
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants, from /proc/PID/task/*/children."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(child) for child in f.read().split())
        except OSError:
            pass
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (those still running)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")
