"""Exception classes of planner-gis.

Every error raised on bad input is a :class:`PlannerGisError`. Its message says
*what* was wrong (naming the file and the record where there is one) and *how
to fix it*. The command line prints the message on one line and exits with
status 2; the QGIS plugin turns it into a ``QgsProcessingException``.

Examples
--------
>>> from planner_gis.errors import InputError
>>> err = InputError("zones.gpkg: no CRS", fix="declare it with --crs 4326")
>>> str(err)
'zones.gpkg: no CRS. Fix: declare it with --crs 4326'
"""

from __future__ import annotations


class PlannerGisError(ValueError):
    """Base class of every planner-gis error caused by input or settings.

    Parameters
    ----------
    message : str
        What was wrong, naming the file and record where known.
    fix : str, optional
        How the user can fix it. Appended to the message as ``". Fix: ..."``.
    """

    def __init__(self, message: str, fix: str | None = None):
        self.problem = message
        self.fix = fix
        text = message if not fix else f"{message.rstrip('.')}. Fix: {fix}"
        super().__init__(text)


class InputError(PlannerGisError):
    """A file or table cannot be used as given (missing column, empty layer, ...)."""


class CRSError(PlannerGisError):
    """A coordinate reference system is missing, unsuitable or ambiguous."""


class GeometryError(PlannerGisError):
    """Geometries are empty, invalid or of the wrong type."""


class RegistryError(PlannerGisError):
    """A row of a team registry cannot be read (bad date, unknown role, ...)."""


class NetworkError(PlannerGisError):
    """A walking network cannot be built, loaded or used."""


class OutputError(PlannerGisError):
    """An output cannot be written (it would overwrite an input, ...)."""


class Cancelled(Exception):
    """Raised by a progress callback to stop long work (QGIS cancel button)."""


__all__ = [
    "PlannerGisError",
    "InputError",
    "CRSError",
    "GeometryError",
    "RegistryError",
    "NetworkError",
    "OutputError",
    "Cancelled",
]
