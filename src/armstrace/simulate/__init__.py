"""The scenario generator: a plausible synthetic world with its ground truth.

Real agency data is not public, so armstrace builds worlds in interchange format
v1 from a seed, at any size, with the truth written beside them for scoring.
"""

from armstrace.simulate.world import SCALES, WorldSummary, generate_world

__all__ = ["SCALES", "WorldSummary", "generate_world"]
