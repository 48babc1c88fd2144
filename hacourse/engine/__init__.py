"""The SimPy model of the data center. Imports neither matplotlib nor ipywidgets."""

from hacourse.engine.simulation import Simulation, simulate

__all__ = ["Simulation", "simulate"]
