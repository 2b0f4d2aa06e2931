"""A short run of scripts/load.py against the live sample archive: 16 clients, no errors, and a runaway
SQL query stopped by the time limit while the other requests are answered. Timings are not asserted."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

import httpx
import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

spec = importlib.util.spec_from_file_location("load", ROOT / "scripts" / "load.py")
load = sys.modules["load"] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
spec.loader.exec_module(load)


async def test_sixteen_clients_without_errors_beside_a_runaway_query(live_samples: str) -> None:
    async with httpx.AsyncClient(base_url=live_samples) as client:
        requests = await load.plan(client, 160)
    assert set(Counter(kind for kind, _ in requests)) == set(load.MIX)
    report = await load.run(live_samples, requests, clients=16, runaway=True)
    assert report.errors() == {}
    assert len(report.outcomes) == 160
    assert report.runaway  # at least one runaway query was sent and stopped
    assert "all" in "\n".join(report.lines())


async def test_a_mix_of_only_some_kinds(live_samples: str) -> None:
    async with httpx.AsyncClient(base_url=live_samples) as client:
        requests = await load.plan(client, 40, kinds=["suche", "zitat"])
    assert set(Counter(kind for kind, _ in requests)) == {"suche", "zitat"} and len(requests) == 40
    assert all(path.startswith("/-/suche?q=") for kind, path in requests if kind == "suche")


async def test_only_this_machine_is_a_target() -> None:
    with pytest.raises(ValueError, match="only targets 127.0.0.1"):
        await load.run("http://192.0.2.1:8001", [("suche", "/-/suche?q=Kita")])
