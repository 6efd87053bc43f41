"""Deterministic, vectorised simulation of an estate under failure.

Records move as columnar NumPy batches; only faults, participant actions and monitor checks are
discrete events. Same estate, scenario, seed and timed actions give the same result.
"""

from flowdrill.sim.actions import SimAction, parse_action
from flowdrill.sim.engine import SimConfig, Simulation

__all__ = ["SimAction", "SimConfig", "Simulation", "parse_action"]
