"""The simulate service on the bundled demo workspace."""

from __future__ import annotations

import json

import pytest

from flowdrill.errors import InputError
from flowdrill.service.simulate import simulate
from flowdrill.service.workspace import open_workspace


def test_simulate_mode_on_demo_is_deterministic() -> None:
    ws = open_workspace(demo=True)
    actions = ["T+20 pause_flow n8n.shopify-order-intake", "T+30 apply_fix"]
    first = simulate(ws, "duplicate_delivery", seed=4, until=45, actions=actions).to_dict()
    second = simulate(ws, "duplicate_delivery", seed=4, until=45, actions=actions).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first["integrity"]["verdict"] == "not restored"
    assert len(first["actions"]) == 2


def test_unknown_scenario_and_bad_until() -> None:
    ws = open_workspace(demo=True)
    with pytest.raises(InputError, match="no scenario"):
        simulate(ws, "no-such-thing")
    with pytest.raises(InputError):
        simulate(ws, "demo", until=0)
