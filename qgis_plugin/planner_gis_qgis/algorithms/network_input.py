"""The walking-network input shared by ``reach`` and ``isochrones``.

A network comes either from a line layer of the project (built with
:func:`planner_gis.network.build_network`) or from a file the library reads
itself (an OpenStreetMap ``.osm.pbf`` extract or a saved network, with
:func:`planner_gis.network.read_network`). Exactly one must be given.
"""

from __future__ import annotations

from planner_gis.errors import InputError
from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
)

NETWORK = "NETWORK"
NETWORK_FILE = "NETWORK_FILE"


def add_network_parameters(alg) -> None:
    """Add the NETWORK (line layer) and NETWORK_FILE (PBF or saved network) parameters."""
    alg.addParameter(QgsProcessingParameterFeatureSource(
        NETWORK, alg.tr("Walking network: line layer"), [QgsProcessing.TypeVectorLine], optional=True))
    alg.addParameter(QgsProcessingParameterFile(
        NETWORK_FILE, alg.tr("... or network file (OpenStreetMap .osm.pbf)"),
        behavior=QgsProcessingParameterFile.File,
        fileFilter="OpenStreetMap extracts (*.pbf *.osm.pbf);;All files (*.*)", optional=True))


def read_network_input(alg, parameters, context, feedback, progress=None):
    """Build or read the walking network named by the parameters."""
    from planner_gis import network  # noqa: PLC0415 - the library module is imported when used

    path = alg.parameterAsFile(parameters, NETWORK_FILE, context) if parameters.get(NETWORK_FILE) else ""
    has_layer = parameters.get(NETWORK) is not None
    if bool(path) == has_layer:
        raise InputError(
            f"{alg.name()}: give either a walking-network line layer (NETWORK) or a network file (NETWORK_FILE)",
            fix="set exactly one of the two",
        )
    if path:
        return network.read_network(path, progress=progress)
    lines = alg.read_layer(parameters, NETWORK, context, feedback)
    return network.build_network(lines, progress=progress, what=lines.attrs.get("source", "walking network layer"))
