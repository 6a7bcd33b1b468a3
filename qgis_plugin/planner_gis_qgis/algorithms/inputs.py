"""Processing inputs as files the ``planner-gis`` command reads.

A layer that is already a plain file (a GeoPackage layer, a shapefile, a
GeoJSON ...) is passed by its path (``FILE:LAYER`` for one layer of a
GeoPackage). A PostGIS layer is passed as the ``postgresql://`` URL of its
table (host, port, database, user, schema.table and its filter as ``where=``;
:func:`postgres_url`); its password never goes on the command line but into
the subprocess's ``PGPASSWORD`` (:func:`vector_argument` records it on the
algorithm). Anything else becomes a GeoPackage in the run's work folder: a
memory layer, a layer with a filter, only the selected features, or a layer
whose CRS was set in QGIS rather than in the file. This is file conversion
only; no GIS logic happens here.
"""

from __future__ import annotations

import os
from pathlib import Path

from urllib.parse import quote

from qgis.core import (
    QgsApplication,
    QgsAuthMethodConfig,
    QgsDataSourceUri,
    QgsFeatureSink,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProviderRegistry,
    QgsVectorFileWriter,
)

from ..i18n import tr

#: File types whose layers the command addresses as ``FILE:LAYER``.
LAYERED = (".gpkg", ".sqlite", ".db")
#: Single-layer file types passed as they are.
SINGLE = (".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".csv", ".tab", ".mif")


def _plain_file(layer) -> str | None:
    """``path`` or ``path:layer`` when the layer reads one whole file with the file's own CRS, else None."""
    if layer is None or layer.providerType() != "ogr" or layer.subsetString():
        return None
    provider = layer.dataProvider()
    if provider is None or not provider.crs().isValid() or provider.crs() != layer.crs():
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path") or ""
    if not path or not os.path.isfile(path):
        return None
    suffix = Path(path).suffix.lower()
    name = parts.get("layerName") or ""
    if suffix in LAYERED:
        if not name:
            return None  # a layer id rather than a name: export
        return f"{path}:{name}"
    if suffix in SINGLE and not name and parts.get("layerId") in (None, "", 0):
        return path
    return None


def postgres_url(source: str) -> tuple[str, str] | None:
    """``(postgresql:// URL, password)`` of a PostGIS layer's data source URI; None for a query layer.

    The URL holds ``USER@HOST:PORT/DB``, ``table=SCHEMA.TABLE``, the layer's
    filter as ``where=`` and a ``service=``; never the password (returned apart,
    from the URI or its QGIS authentication configuration; ``""`` if none).
    """
    uri = QgsDataSourceUri(source)
    table = uri.table()
    if not table or table.startswith("("):  # an SQL query layer: exported to a file instead
        return None
    user, password = uri.username(), uri.password()
    if uri.authConfigId():
        config = QgsAuthMethodConfig()
        if QgsApplication.authManager().loadAuthenticationConfig(uri.authConfigId(), config, True):
            user = config.config("username") or user
            password = config.config("password") or password
    netloc = (quote(user, safe="") + "@" if user else "") + (uri.host() or "")
    if uri.port():
        netloc += f":{uri.port()}"
    query = [f"service={quote(uri.service(), safe='')}"] if uri.service() else []
    query.append(f"table={quote(uri.schema() or 'public', safe='')}.{quote(table, safe='')}")
    if uri.sql():
        query.append(f"where={quote(uri.sql(), safe='')}")
    return f"postgresql://{netloc}/{quote(uri.database(), safe='')}?{'&'.join(query)}", password or ""


def _database_url(alg, layer) -> str | None:
    """The URL of a PostGIS layer, its password kept for the subprocess (``alg.secret_env``); else None.

    A layer whose CRS was changed in QGIS, or a second password different
    from the first, gives None (the layer is exported to a file).
    """
    if layer is None or layer.providerType() != "postgres":
        return None
    provider = layer.dataProvider()
    if provider is None or provider.crs() != layer.crs():
        return None
    found = postgres_url(layer.source())
    if found is None:
        return None
    url, password = found
    env = getattr(alg, "secret_env", None)
    if env is None:
        env = alg.secret_env = {}
    if password:
        if env.get("PGPASSWORD", password) != password:
            return None
        env["PGPASSWORD"] = password
    return url


def vector_argument(alg, parameters: dict, name: str, context, feedback, work: Path) -> str | None:
    """The file the command reads for the feature-source parameter ``name`` (None if unset).

    Raises
    ------
    QgsProcessingException
        If the layer cannot be found or written.
    """
    value = parameters.get(name)
    if value in (None, ""):
        return None
    selected = isinstance(value, QgsProcessingFeatureSourceDefinition) and (
        value.selectedFeaturesOnly or getattr(value, "featureLimit", -1) not in (-1, None))
    if not selected:
        layer = alg.parameterAsVectorLayer(parameters, name, context)
        plain = _plain_file(layer) or _database_url(alg, layer)
        if plain is not None:
            return plain
    source = alg.parameterAsSource(parameters, name, context)
    if source is None:
        raise QgsProcessingException(alg.invalidSourceError(parameters, name))
    return export_source(source, work / f"{name.lower()}.gpkg", context, feedback)


def export_source(source, path: Path, context, feedback, layer: str | None = None) -> str:
    """Write every feature of ``source`` into the GeoPackage ``path`` (as ``layer``, added to the file).

    Returns the path (``path:layer`` when a layer name is given).
    """
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    if layer:
        options.layerName = layer
        if path.exists():
            options.actionOnExistingFile = QgsVectorFileWriter.CreateOrOverwriteLayer
    options.layerOptions = ["FID=planner_gis_fid"]  # a field called fid stays an ordinary field
    options.fileEncoding = "UTF-8"
    writer = QgsVectorFileWriter.create(str(path), source.fields(), source.wkbType(), source.sourceCrs(),
                                        context.transformContext(), options)
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(tr("cannot write the temporary file {path}: {error}").format(
            path=path, error=writer.errorMessage()))
    count = max(source.featureCount(), 1)
    for i, feature in enumerate(source.getFeatures()):
        if feedback is not None and feedback.isCanceled():
            break
        writer.addFeature(feature, QgsFeatureSink.FastInsert)
        if feedback is not None and i % 1000 == 0:
            feedback.setProgressText(tr("preparing {name}: {i} of {n} features").format(
                name=path.stem, i=i, n=count))
    del writer  # closes the file
    return f"{path}:{layer}" if layer else str(path)


def raster_argument(alg, parameters: dict, name: str, context) -> str | None:
    """The file of the raster parameter ``name`` (None if unset); a raster not in a file is refused."""
    if parameters.get(name) in (None, ""):
        return None
    layer = alg.parameterAsRasterLayer(parameters, name, context)
    if layer is None:
        raise QgsProcessingException(alg.invalidRasterError(parameters, name))
    path = layer.source().split("|")[0]
    if layer.providerType() != "gdal" or not os.path.isfile(path):
        raise QgsProcessingException(
            tr("the raster {name} is not a file. Fix: save it as a GeoTIFF (Export > Save As...) and use that")
            .format(name=layer.name()))
    return path


def file_argument(alg, parameters: dict, name: str, context) -> str | None:
    """The path of the file parameter ``name`` (None if unset)."""
    if parameters.get(name) in (None, ""):
        return None
    return alg.parameterAsFile(parameters, name, context) or None
