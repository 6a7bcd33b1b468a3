"""The walking-network input shared by ``reach`` and ``isochrones``.

A network is either a line layer of the project or a file the command reads
itself: an OpenStreetMap ``.osm.pbf`` extract, an OSMnx ``.graphml`` or a
network saved with ``planner-gis network`` (``.npz``). Exactly one is given.
"""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
)

from .inputs import file_argument, vector_argument

NETWORK = "NETWORK"
NETWORK_FILE = "NETWORK_FILE"
DROP_DISCONNECTED = "DROP_DISCONNECTED"


def add_network_parameters(alg) -> None:
    """Add NETWORK (line layer), NETWORK_FILE (.osm.pbf, .graphml, .npz) and DROP_DISCONNECTED."""
    alg.addParameter(QgsProcessingParameterFeatureSource(
        NETWORK, alg.tr("Walking network: line layer"), [QgsProcessing.TypeVectorLine], optional=True))
    alg.addParameter(QgsProcessingParameterFile(
        NETWORK_FILE, alg.tr("... or network file (OpenStreetMap .osm.pbf, .graphml, saved .npz)"),
        behavior=QgsProcessingParameterFile.File,
        fileFilter="Walking networks (*.pbf *.osm.pbf *.graphml *.npz);;All files (*.*)", optional=True))
    param = QgsProcessingParameterBoolean(
        DROP_DISCONNECTED, alg.tr("Keep only the largest connected piece of the network"), defaultValue=False)
    param.setFlags(param.flags() | param.FlagAdvanced)
    alg.addParameter(param)


def network_arguments(alg, parameters, context, feedback, work) -> list:
    """``--network PATH [--drop-disconnected]``; refuses none or both of the two inputs."""
    path = file_argument(alg, parameters, NETWORK_FILE, context)
    has_layer = parameters.get(NETWORK) not in (None, "")
    if bool(path) == has_layer:
        raise QgsProcessingException(alg.tr(
            "give either a walking-network line layer or a network file. Fix: set exactly one of the two "
            "(NETWORK or NETWORK_FILE)"))
    args: list = []
    alg.use(args, "--network", path or vector_argument(alg, parameters, NETWORK, context, feedback, work))
    if alg.parameterAsBool(parameters, DROP_DISCONNECTED, context):
        args.append("--drop-disconnected")
    return args
