"""Fuzzing: whatever JSON the importers get, they import it or raise an InputError. Nothing else.

Three sources of input: arbitrary JSON-like values, structures shaped like each platform's
export (so the fuzzer gets past the first shape check), and mutations of real corpus files.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowdrill.errors import InputError
from flowdrill.estate.importers.make import parse_blueprint
from flowdrill.estate.importers.n8n import parse_workflow
from flowdrill.estate.importers.nodered import parse_flows

from .corpus import MAKE_EXAMPLES, N8N_VALID, NODERED_VALID, load

#: FUZZ_EXAMPLES=5000 for a long run before a release; 200 keeps the suite fast.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "=", "={{ $json.x }}", "$('A')", "https://a.b/c?token=x", "A", "B"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
names = st.sampled_from(["A", "B", "C", "Webhook", "", "A"])


def ok_or_input_error(parse: Callable[[], Any]) -> None:
    """Any exception but an InputError fails the test (and hypothesis shrinks it)."""
    with contextlib.suppress(InputError):
        parse()


@FUZZ
@given(json_values)
def test_any_json_value(value: Any) -> None:
    ok_or_input_error(lambda: parse_workflow(value, file="f.json"))
    ok_or_input_error(lambda: parse_flows(value, file="f.json"))
    ok_or_input_error(lambda: parse_blueprint(value, file="f.json"))


n8n_types = st.sampled_from(
    [
        "n8n-nodes-base.webhook",
        "n8n-nodes-base.if",
        "n8n-nodes-base.switch",
        "n8n-nodes-base.httpRequest",
        "n8n-nodes-base.executeWorkflow",
        "n8n-nodes-base.scheduleTrigger",
        "n8n-nodes-base.cron",
        "n8n-nodes-base.stickyNote",
        "n8n-nodes-base.googleSheets",
        "@n8n/n8n-nodes-langchain.agent",
        "n8n-nodes-base.splitInBatches",
        "x",
    ]
)
n8n_nodes = st.fixed_dictionaries(
    {"name": names | json_values, "type": n8n_types | json_values},
    optional={
        "parameters": json_values,
        "credentials": json_values,
        "onError": st.sampled_from(["continueErrorOutput", "continueRegularOutput", 3]),
        "retryOnFail": st.booleans(),
        "maxTries": json_values,
        "waitBetweenTries": json_values,
        "disabled": json_values,
        "typeVersion": json_values,
    },
)
connection_targets = st.lists(
    st.none() | st.lists(st.fixed_dictionaries({"node": names | json_values}) | json_values),
    max_size=3,
)
n8n_workflows = st.fixed_dictionaries(
    {
        "nodes": st.lists(n8n_nodes | json_values, max_size=6),
        "connections": st.dictionaries(
            names, st.dictionaries(st.sampled_from(["main", "ai_tool"]), connection_targets)
        )
        | json_values,
    },
    optional={
        "settings": json_values,
        "name": json_values,
        "id": json_values,
        "meta": json_values,
        "pinData": json_values,
        "tags": json_values,
        "active": json_values,
    },
)


@FUZZ
@given(n8n_workflows)
def test_n8n_shaped(value: Any) -> None:
    ok_or_input_error(lambda: parse_workflow(value, file="f.json"))


ids = st.sampled_from(["a", "b", "c", "t1", "sf", "g1"])
nodered_nodes = st.fixed_dictionaries(
    {
        "id": ids | json_values,
        "type": st.sampled_from(
            [
                "tab",
                "subflow",
                "group",
                "inject",
                "link out",
                "link in",
                "link call",
                "catch",
                "status",
                "mqtt in",
                "mqtt-broker",
                "subflow:sf",
                "http request",
                "comment",
            ]
        )
        | json_values,
    },
    optional={
        "z": ids | json_values,
        "g": ids,
        "wires": st.lists(st.lists(ids | json_values) | json_values, max_size=3) | json_values,
        "links": st.lists(ids) | json_values,
        "scope": st.none() | st.just("group") | st.lists(ids) | json_values,
        "x": st.integers(),
        "d": json_values,
        "env": json_values,
        "broker": ids,
        "credentials": json_values,
        "url": json_values,
        "in": json_values,
    },
)


@FUZZ
@given(st.lists(nodered_nodes | json_values, max_size=8))
def test_nodered_shaped(value: Any) -> None:
    ok_or_input_error(lambda: parse_flows(value, file="f.json"))


make_modules = st.deferred(
    lambda: st.fixed_dictionaries(
        {
            "id": st.integers(),
            "module": st.sampled_from(
                [
                    "builtin:BasicRouter",
                    "google-sheets:addRow",
                    "builtin:Ignore",
                    "builtin:Break",
                    "http:ActionSendData",
                    "x",
                ]
            )
            | json_values,
        },
        optional={
            "routes": st.lists(st.fixed_dictionaries({"flow": st.lists(make_modules, max_size=3)}))
            | json_values,
            "onerror": st.lists(make_modules, max_size=2) | json_values,
            "parameters": json_values,
            "mapper": json_values,
            "filter": json_values,
            "metadata": json_values,
        },
    )
)


@FUZZ
@given(
    st.fixed_dictionaries(
        {"flow": st.lists(make_modules | json_values, max_size=4)},
        optional={"metadata": json_values, "name": json_values},
    )
)
def test_make_shaped(value: Any) -> None:
    ok_or_input_error(lambda: parse_blueprint(value, file="f.json"))


# --------------------------------------------------------------------------- mutations

SMALL_N8N = sorted(N8N_VALID, key=lambda p: p.stat().st_size)[:40]
SMALL_NODERED = sorted(NODERED_VALID, key=lambda p: p.stat().st_size)[:15]


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if isinstance(value, dict | list) and value else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _containers(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _containers(item, (*path, n))
    return found


def _mutate(data: Any, draw: Any) -> Any:
    data = copy.deepcopy(data)
    paths = _containers(data)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        try:
            for part in path:
                parent = parent[part]
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, dict | list):
            continue
        keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return data


@FUZZ
@given(st.sampled_from(SMALL_N8N), st.data())
def test_mutated_n8n_corpus_files(path: Any, data: st.DataObject) -> None:
    mutated = _mutate(load(path), data.draw)
    ok_or_input_error(lambda: parse_workflow(mutated, file=path.name))


@FUZZ
@given(st.sampled_from(SMALL_NODERED), st.data())
def test_mutated_nodered_corpus_files(path: Any, data: st.DataObject) -> None:
    mutated = _mutate(load(path), data.draw)
    ok_or_input_error(lambda: parse_flows(mutated, file=path.name))


@FUZZ
@given(st.sampled_from(MAKE_EXAMPLES), st.data())
def test_mutated_make_examples(path: Any, data: st.DataObject) -> None:
    mutated = _mutate(load(path), data.draw)
    ok_or_input_error(lambda: parse_blueprint(mutated, file=path.name))
