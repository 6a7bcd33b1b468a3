"""planner-gis: GIS for China's responsibility planner (责任规划师) system.

The public API is what this module exports; everything else is internal.
"""

from . import crs, errors
from .errors import (
    Cancelled,
    CRSError,
    GeometryError,
    InputError,
    NetworkError,
    OutputError,
    PlannerGisError,
    RegistryError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "crs",
    "errors",
    "PlannerGisError",
    "InputError",
    "CRSError",
    "GeometryError",
    "RegistryError",
    "NetworkError",
    "OutputError",
    "Cancelled",
]
