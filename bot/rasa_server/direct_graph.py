"""Run a loaded model's graph node by node, in an order fixed once, instead of through dask.

For every message Rasa 3.6 runs its NLU graph once and its dialogue graph once per predicted
action, each time by rebuilding a dask graph from the schema, having dask order it and then
having dask's scheduler (futures, callbacks, a thread pool of one) call the nodes. For our
graphs of 10-15 small nodes that bookkeeping was a fifth of a message's time: in process, with
the tracker in memory, one message took 6.36 ms with dask and 4.94 ms with this runner
(`python -m bench.in_process --fix graph_runner` -> bench/results/graph_runner.json).
Here the schema is reduced and sorted once per set of targets and inputs, and each node is
called with its parents' outputs exactly as dask passes them, so the components, their inputs
and their outputs are Rasa's. Graphs that load components lazily (training) and inputs that
clash with node names go through dask as before.
"""

from __future__ import annotations

import graphlib
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner

DASK_RUN = DaskGraphRunner.__dict__["run"]

Plan = list[tuple[str, GraphNode, tuple[str, ...]]]


def plan(runner: DaskGraphRunner, targets: tuple[str, ...], inputs: frozenset[str]) -> Plan | None:
    """The nodes dask would run for these targets, parents first; None where dask must run."""
    plans: dict[Any, Plan | None] = runner.__dict__.setdefault("_direct_plans", {})
    key = (targets, inputs)
    if key not in plans:
        schema = runner._graph_schema.minimal_graph_schema(list(targets))
        nodes = schema.nodes
        if inputs & nodes.keys() or not all(node.eager for node in nodes.values()):
            plans[key] = None
        else:
            parents = {
                n: [p for p in node.needs.values() if p in nodes] for n, node in nodes.items()
            }
            order = graphlib.TopologicalSorter(parents).static_order()
            plans[key] = [
                (name, runner._instantiated_nodes[name], tuple(nodes[name].needs.values()))
                for name in order
            ]
    return plans[key]


def run(
    self: DaskGraphRunner,
    inputs: dict[str, Any] | None = None,
    targets: list[str] | None = None,
) -> dict[str, Any]:
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    given = inputs or {}
    clash = any(isinstance(v, str) and v in self._graph_schema.nodes for v in given.values())
    steps = None if clash else plan(self, run_targets, frozenset(given))
    if steps is None:
        result: dict[str, Any] = DASK_RUN(self, inputs, targets)
        return result
    # As in dask's graph: an input is the pair (name, value), a node's output is the pair its
    # GraphNode returns, and a need nothing provides is passed as its bare name.
    outputs: dict[str, Any] = {name: (name, value) for name, value in given.items()}
    try:
        for name, node, needs in steps:
            outputs[name] = node(*(outputs.get(need, need) for need in needs))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(outputs[target] for target in run_targets)


def install() -> None:
    DaskGraphRunner.run = run
