"""Conversions between QGIS features and GeoDataFrames (no GIS logic here).

``source_to_gdf`` reads any ``QgsFeatureSource`` (a project layer, a file, the
selected features of a layer) into a GeoDataFrame with the source's CRS;
``write_gdf_to_sink`` writes a GeoDataFrame into a Processing feature sink.
Geometries travel as WKB, so they are passed through unchanged (curved
geometries are segmentised, since shapely has no curves).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Iterable, Optional, Tuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsFeatureSource,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant

# ----------------------------------------------------------------------------- CRS


def qgs_crs_to_pyproj(crs: QgsCoordinateReferenceSystem) -> Optional[CRS]:
    """pyproj CRS of a QGIS CRS (None if the QGIS CRS is invalid/unset)."""
    if crs is None or not crs.isValid():
        return None
    authid = crs.authid()
    if authid and authid.upper().startswith(("EPSG:", "ESRI:", "IGNF:")):
        try:
            return CRS.from_user_input(authid)
        except Exception:  # noqa: BLE001 - fall back to WKT
            pass
    return CRS.from_wkt(crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED))


def pyproj_to_qgs_crs(crs) -> QgsCoordinateReferenceSystem:
    """QGIS CRS of a pyproj CRS (or anything pyproj accepts); invalid CRS if None."""
    if crs is None:
        return QgsCoordinateReferenceSystem()
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    if epsg is not None:
        out = QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
        if out.isValid():
            return out
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


# ----------------------------------------------------------------------------- values


def _to_python(value):
    """Plain Python value of a QGIS attribute (QVariant NULL -> None, QDate -> date)."""
    if value is None:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if isinstance(value, QTime):
        return value.toPyTime() if value.isValid() else None
    return value


def _to_qgis(value):
    """QGIS-storable value of a pandas cell (NaN/NaT/None -> None, numpy -> Python)."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return QDateTime(value.to_pydatetime())
    if isinstance(value, _dt.datetime):
        return QDateTime(value)
    if isinstance(value, _dt.date):
        return QDate(value)
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


# ----------------------------------------------------------------------------- reading


def _wkb_of(geometry: QgsGeometry) -> Optional[bytes]:
    if geometry is None or geometry.isNull():
        return None
    if QgsWkbTypes.isCurvedType(geometry.wkbType()):
        geometry = QgsGeometry(geometry.constGet().segmentize())
    return bytes(geometry.asWkb())


def source_to_gdf(source: QgsFeatureSource, feedback=None) -> gpd.GeoDataFrame:
    """Read every feature of ``source`` into a GeoDataFrame.

    Parameters
    ----------
    source : QgsFeatureSource
        A vector layer or a Processing feature source.
    feedback : QgsFeedback, optional
        Reading stops early (returning what was read) when it is cancelled.

    Returns
    -------
    GeoDataFrame
        One column per field, a ``geometry`` column (null geometries are None),
        and the CRS of the source (None if the source has no valid CRS).
    """
    names = [f.name() for f in source.fields()]
    rows, wkbs = [], []
    for feature in source.getFeatures():
        if feedback is not None and feedback.isCanceled():
            break
        rows.append([_to_python(v) for v in feature.attributes()])
        wkbs.append(_wkb_of(feature.geometry()))
    geom_name = "geometry" if "geometry" not in names else "_geometry"
    frame = pd.DataFrame(rows, columns=names)
    geometry = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else []
    frame[geom_name] = gpd.GeoSeries(geometry, index=frame.index)
    return gpd.GeoDataFrame(frame, geometry=geom_name, crs=qgs_crs_to_pyproj(source.sourceCrs()))


# ----------------------------------------------------------------------------- writing


def fields_for(df: pd.DataFrame) -> QgsFields:
    """QGIS fields for the non-geometry columns of ``df``, typed from their dtypes."""
    fields = QgsFields()
    geom_col = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    for name, dtype in df.dtypes.items():
        if name == geom_col:
            continue
        if pd.api.types.is_bool_dtype(dtype):
            qtype = QVariant.Bool
        elif pd.api.types.is_integer_dtype(dtype):
            qtype = QVariant.LongLong
        elif pd.api.types.is_float_dtype(dtype):
            qtype = QVariant.Double
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            qtype = QVariant.DateTime
        else:
            qtype = QVariant.String
        fields.append(QgsField(str(name), qtype))
    return fields


_SHAPELY_TO_WKB = {
    "Point": QgsWkbTypes.Point,
    "MultiPoint": QgsWkbTypes.MultiPoint,
    "LineString": QgsWkbTypes.MultiLineString,
    "MultiLineString": QgsWkbTypes.MultiLineString,
    "Polygon": QgsWkbTypes.MultiPolygon,
    "MultiPolygon": QgsWkbTypes.MultiPolygon,
}


def wkb_type_for(gdf: Optional[pd.DataFrame], default=QgsWkbTypes.NoGeometry):
    """The layer geometry type for a frame: lines and polygons become multi-types.

    Points stay points unless some are multi-points. A frame without any
    geometry gives ``default``.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        return QgsWkbTypes.NoGeometry
    kinds = set(gdf.geometry.dropna().geom_type.unique()) - {None}
    if not kinds:
        return default
    if kinds <= {"Point"}:
        base = QgsWkbTypes.Point
    elif kinds <= {"Point", "MultiPoint"}:
        base = QgsWkbTypes.MultiPoint
    elif kinds <= {"LineString", "MultiLineString"}:
        base = QgsWkbTypes.MultiLineString
    elif kinds <= {"Polygon", "MultiPolygon"}:
        base = QgsWkbTypes.MultiPolygon
    else:
        raise ValueError(f"mixed geometry types {sorted(kinds)} cannot go into one layer")
    if gdf.geometry.has_z.any():
        base = QgsWkbTypes.addZ(base)
    return base


def _qgs_geometry(geom, wkb_type) -> QgsGeometry:
    if geom is None or (hasattr(geom, "is_empty") and geom.is_empty):
        return QgsGeometry()
    out = QgsGeometry()
    out.fromWkb(shapely.to_wkb(geom))
    if QgsWkbTypes.isMultiType(wkb_type) and not out.isMultipart():
        out.convertToMultiType()
    return out


def features_of(gdf: pd.DataFrame, fields: QgsFields, wkb_type) -> Iterable[QgsFeature]:
    """Yield QgsFeatures for the rows of ``gdf`` (attributes in ``fields`` order)."""
    names = [f.name() for f in fields]
    geoms = gdf.geometry.array if isinstance(gdf, gpd.GeoDataFrame) else None
    columns = [gdf[n].to_numpy(dtype=object) for n in names]
    for i in range(len(gdf)):
        feature = QgsFeature(fields)
        feature.setAttributes([_to_qgis(col[i]) for col in columns])
        if geoms is not None and wkb_type != QgsWkbTypes.NoGeometry:
            feature.setGeometry(_qgs_geometry(geoms[i], wkb_type))
        yield feature


def sink_spec(gdf: pd.DataFrame, default_wkb=QgsWkbTypes.NoGeometry) -> Tuple[QgsFields, int, QgsCoordinateReferenceSystem]:
    """Fields, geometry type and CRS to create a sink for ``gdf``."""
    crs = gdf.crs if isinstance(gdf, gpd.GeoDataFrame) else None
    return fields_for(gdf), wkb_type_for(gdf, default_wkb), pyproj_to_qgs_crs(crs)


def write_features(sink: QgsFeatureSink, gdf: pd.DataFrame, fields: QgsFields, wkb_type, feedback=None) -> int:
    """Add the rows of ``gdf`` to ``sink``. Returns the number of features written."""
    n = 0
    for feature in features_of(gdf, fields, wkb_type):
        if feedback is not None and feedback.isCanceled():
            break
        sink.addFeature(feature, QgsFeatureSink.FastInsert)
        n += 1
    return n
