"""Reading vector layers and writing outputs safely.

Reading goes through pyogrio, so every OGR vector format works (GeoJSON,
GeoPackage, Shapefile, FlatGeobuf, ...). Shapefiles from Chinese agencies are
often GBK-encoded without a ``.cpg`` file: :func:`detect_shapefile_encoding`
finds the encoding from the ``.cpg``, the DBF language driver byte, or by
trying to decode the attribute bytes as UTF-8 and falling back to GB18030 (a
superset of GBK and GB2312).

Writing is atomic: every output is written to a temporary file in the target
folder and renamed over the target only when complete, so a crash never leaves
a half-written file; and no output may be one of the inputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd
import pyogrio

from ._atomic import atomic_path
from .constants import PathLike
from .errors import InputError, OutputError

# DBF header byte 29 ("language driver id") values that mean a Chinese code page.
_LDID_CHINESE = {0x4D: "GB18030", 0x7A: "GB18030"}  # 0x4D = CP936 (GBK); 0x7A = CP936 (ESRI)


def _read_cpg(shp: Path) -> str | None:
    for cpg in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")):
        if cpg.exists():
            text = cpg.read_text(encoding="ascii", errors="ignore").strip()
            if text:
                code = text.upper().replace("-", "").replace("_", "")
                if code in {"936", "CP936", "GBK", "GB2312", "GB18030"}:
                    return "GB18030"
                if code in {"UTF8", "65001"}:
                    return "UTF-8"
                return text
    return None


def detect_shapefile_encoding(path: PathLike) -> str:
    """Return the text encoding of a shapefile's attributes.

    Order of evidence: the ``.cpg`` file; a Chinese code page in the DBF
    language driver byte; whether the DBF record bytes decode as UTF-8 (then
    UTF-8), else GB18030 (covers GBK/GB2312); pure ASCII gives UTF-8.

    Parameters
    ----------
    path : str or Path
        The ``.shp`` (or ``.dbf``) file.

    Returns
    -------
    str
        An encoding name Python and GDAL accept.
    """
    shp = Path(path)
    cpg = _read_cpg(shp)
    if cpg:
        return cpg
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return "UTF-8"
    raw = dbf.read_bytes()
    if len(raw) < 32:
        return "UTF-8"
    ldid = raw[29]
    if ldid in _LDID_CHINESE:
        return _LDID_CHINESE[ldid]
    header_len = int.from_bytes(raw[8:10], "little")
    body = raw[header_len:]
    try:
        body.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        body.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return "latin-1"


#: File types whose files may hold several layers; ``FILE:LAYER`` names one of them.
LAYERED_SUFFIXES = (".gpkg", ".sqlite", ".db", ".gdb", ".kml", ".gml", ".gpx", ".xlsx", ".ods", ".geojson",
                    ".json", ".shp", ".fgb", ".parquet")


def split_layer(source: PathLike) -> tuple[Path, str | None]:
    """Split ``FILE:LAYER`` (the layer of a multi-layer file) into the path and the layer name.

    A path that exists as it is is never split, and neither is a Windows drive letter.

    Examples
    --------
    >>> split_layer("city.gpkg:units")
    (PosixPath('city.gpkg'), 'units')
    >>> split_layer("units.geojson")
    (PosixPath('units.geojson'), None)
    """
    text = os.fspath(source)
    if Path(text).exists():
        return Path(text), None
    head, sep, tail = text.rpartition(":")
    if sep and head and tail and not any(c in tail for c in "/\\") and head.lower().endswith(LAYERED_SUFFIXES):
        return Path(head), tail
    return Path(text), None


def check_input_file(path: Path, what: str = "file") -> None:
    """Refuse a path that is missing, a folder or an empty file, saying which.

    Raises
    ------
    InputError
        ``file not found``, ``is a folder, not a file`` or ``the file is empty (0 bytes)``.
    """
    if not path.exists():
        raise InputError(f"{path}: {what} not found", fix="check the path and file name")
    if path.is_dir() and path.suffix.lower() != ".gdb":  # a FileGDB is a folder
        raise InputError(f"{path}: is a folder, not a file", fix="give the path of the file inside the folder")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)",
                         fix="give the complete file (export or copy it again)")


def _choose_layer(p: Path, layer: str | int | None) -> str | int | None:
    """The layer to read: the one named, the only one, or a refusal that lists them."""
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(p)]
    except Exception:  # noqa: BLE001 - the read below reports what is wrong with the file
        return layer
    if layer is not None:
        if isinstance(layer, str) and layer not in layers:
            raise InputError(f"{p}: no layer '{layer}' (layers: {', '.join(layers)})",
                             fix=f"give one of them as {p}:LAYER")
        return layer
    if len(layers) > 1:
        raise InputError(f"{p}: holds {len(layers)} layers ({', '.join(layers)}) and none was chosen",
                         fix=f"name the layer after the file name, e.g. {p}:{layers[-1]}")
    return None


def read_vector(
    path: PathLike,
    layer: str | int | None = None,
    encoding: str | None = None,
    coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer with pyogrio, handling Chinese encodings and offset datums.

    Parameters
    ----------
    path : str or Path
        Any file OGR reads: GeoJSON, GeoPackage, Shapefile, FlatGeobuf, ...;
        ``FILE:LAYER`` names a layer of a multi-layer file (``city.gpkg:units``).
    layer : str or int, optional
        Layer of a multi-layer source (GeoPackage). A file with several layers
        and none chosen is refused with the list of its layers.
    encoding : str, optional
        Attribute encoding; detected for shapefiles when not given.
    coords : {None, "wgs84", "gcj02", "bd09"}
        Declare that lon/lat coordinates are GCJ-02 (Amap, Tencent) or BD-09
        (Baidu). They are converted to WGS84 on reading.

    Returns
    -------
    GeoDataFrame

    Raises
    ------
    InputError
        If the file does not exist or OGR cannot read it.
    """
    p, named = split_layer(path)
    check_input_file(p)
    layer = _choose_layer(p, layer if layer is not None else named)
    if coords is not None:
        from .crs import normalize_datum  # late import: crs imports geopandas only

        coords = normalize_datum(coords, what=f"{p}: coords")  # CRSError naming the allowed values
    kwargs = {}
    if layer is not None:
        kwargs["layer"] = layer
    if encoding is None and p.suffix.lower() == ".shp":
        encoding = detect_shapefile_encoding(p)
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        gdf = pyogrio.read_dataframe(p, **kwargs)
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, ...
        raise InputError(
            f"{p}: cannot read as a vector layer ({exc})",
            fix="give a GeoJSON, GeoPackage, Shapefile or FlatGeobuf file (and layer= for a multi-layer file)",
        ) from None
    if coords not in (None, "wgs84"):
        from .crs import convert_gdf  # late import: crs imports geopandas only

        gdf = convert_gdf(gdf, coords, "wgs84", what=str(p))
    return gdf


def read_table(path: PathLike, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030) or Excel table as strings.

    Raises
    ------
    InputError
        If the file does not exist or is of an unknown type.
    """
    p = Path(path)
    check_input_file(p)
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        try:
            # empty cells as "" like the CSV branch, so both formats give the same table
            return pd.read_excel(p, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
        except Exception as exc:
            raise InputError(f"{p}: cannot read as Excel ({exc})", fix="save it as .xlsx or CSV") from None
    if suffix in {".csv", ".txt", ".tsv"}:
        raw = p.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                raw.decode(enc)
            except UnicodeDecodeError:
                continue
            sep = "\t" if suffix == ".tsv" else ","
            return pd.read_csv(p, dtype=str, encoding=enc, sep=sep, keep_default_na=False)
        raise InputError(f"{p}: text is neither UTF-8 nor GB18030", fix="save the CSV as UTF-8")
    raise InputError(f"{p}: unknown table type '{suffix}'", fix="give a .csv or .xlsx file")


# ----------------------------------------------------------------------------- writing


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


# Files that belong to a shapefile ``x.shp`` (``x.shp.xml`` is matched separately).
_SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd", ".atx", ".ain", ".aih"}


def _shapefile_clash(a: Path, b: Path) -> bool:
    """True if ``a`` and ``b`` are parts of the same shapefile and one of them is the ``.shp``."""

    def split(p: Path):
        name = p.name.lower()
        if name.endswith(".shp.xml"):
            return p.with_name(p.name[: -len(".shp.xml")]), ".shp.xml"
        return p.with_suffix(""), p.suffix.lower()

    (a_stem, a_ext), (b_stem, b_ext) = split(a), split(b)
    parts = _SHAPEFILE_PARTS | {".shp.xml"}
    if ".shp" not in (a_ext, b_ext) or a_ext not in parts or b_ext not in parts:
        return False
    return _same_file(a_stem, b_stem)


def check_not_inputs(outputs: Iterable[PathLike], inputs: Iterable[PathLike | None]) -> None:
    """Raise :class:`OutputError` if any output path is one of the input paths.

    Paths are compared after resolving them (``a/../b.gpkg`` is ``b.gpkg``,
    symbolic links are followed). Shapefile parts count: writing ``x.dbf`` when
    ``x.shp`` is an input, or ``x.shp`` when ``x.dbf`` is one, is refused; a
    ``x.gpkg`` beside an input ``x.shp`` is allowed.

    >>> check_not_inputs(["out/units.gpkg"], ["data/units.shp"])
    >>> check_not_inputs(["data/units.dbf"], ["data/units.shp"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner_gis.errors.OutputError: output data/units.dbf would overwrite the input data/units.shp. Fix: choose ...
    """
    ins = [split_layer(i)[0] for i in inputs if i is not None]
    for out in outputs:
        o = Path(out)
        for i in ins:
            if _same_file(o, i) or _shapefile_clash(o, i):
                raise OutputError(
                    f"output {o} would overwrite the input {i}",
                    fix="choose another output folder or file name",
                )


def write_csv(df: pd.DataFrame, target: PathLike, columns: list | None = None) -> Path:
    """Write ``df`` as UTF-8 CSV atomically. Returns the target path."""
    target = Path(target)
    with atomic_path(target) as tmp:
        (df if columns is None else df[columns]).to_csv(tmp, index=False, encoding="utf-8")
    return target


def write_text(text: str, target: PathLike) -> Path:
    """Write UTF-8 text atomically. Returns the target path."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], target: PathLike) -> Path:
    """Write several GeoDataFrames as layers of one GeoPackage, atomically.

    Layers are written to a temporary GeoPackage which then replaces ``target``
    as a whole, so readers never see a file with only some layers.
    """
    target = Path(target)
    with atomic_path(target) as tmp:
        for name, gdf in layers.items():
            pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG")
    return target
