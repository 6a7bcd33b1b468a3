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
from typing import Any
from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd
import pyogrio

from . import _sniff
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


def check_input_file(path: Path, what: str = "file", expect: str | None = None) -> None:
    """Refuse a path that is missing, a folder, empty, unreadable, or not the kind of file asked for.

    Parameters
    ----------
    path : Path
        The file (without a ``:LAYER`` part).
    what : str
        How a missing file is named (``"file"``, ``"population raster"``, ...).
    expect : {None, "vector", "table", "raster", "network"}
        The role of the file: its first bytes must fit it and its extension
        (a ``.gpkg`` must be a GeoPackage, a raster is not a vector layer, ...).

    Raises
    ------
    InputError
        ``file not found``, ``is a folder, not a file``, ``the file is empty (0 bytes)``,
        ``cannot be read (permission denied)`` or what the content is instead.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "teams.csv"
    >>> _ = f.write_bytes(bytes(range(256)) * 4)
    >>> check_input_file(f, expect="table")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner_gis.errors.InputError: .../teams.csv: is binary data of no format planner-gis reads, not a table. Fix: ...
    """
    if not path.exists():
        raise InputError(f"{path}: {what} not found", fix="check the path and file name")
    if path.is_dir():
        if path.suffix.lower() == ".gdb":  # a FileGDB is a folder
            return
        raise InputError(f"{path}: is a folder, not a file", fix="give the path of the file inside the folder")
    try:
        size = path.stat().st_size
        problem = _sniff.content_problem(path, expect) if expect and size else None
        if not expect:
            with open(path, "rb") as fh:
                fh.read(1)
    except PermissionError:
        raise InputError(f"{path}: cannot be read (permission denied)",
                         fix=f"give yourself read permission (chmod u+r '{path}') or copy the file to a "
                             "folder you can read") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})",
                         fix="check the file, or copy it to a local folder") from None
    if size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)",
                         fix="give the complete file (export or copy it again)")
    if problem:
        raise InputError(f"{path}: {problem[0]}", fix=problem[1])


def check_input(source: PathLike, role: str) -> None:
    """Check an input before any long work: the file (see :func:`check_input_file`) and that it opens.

    A vector layer (``FILE:LAYER`` allowed) must have its layer chosen when the
    file holds several and must open with OGR; a table must parse; a raster
    must open with rasterio; a walking network is checked by its type. The
    command line runs this on every input first, so a bad file is reported in
    one line before the network is read.

    Raises
    ------
    InputError, CRSError
        What is wrong with the file, and the fix.
    """
    p, layer = split_layer(source)
    if role == "network":
        role = _network_role(p)
    check_input_file(p, expect=role if role != "saved-network" else "network")
    if role == "vector":
        chosen = _choose_layer(p, layer)
        try:
            pyogrio.read_info(p, **({"layer": chosen} if chosen is not None else {}))
        except Exception as exc:  # noqa: BLE001 - pyogrio raises DataSourceError, DataLayerError, ...
            raise InputError(f"{p}: cannot read as a vector layer ({_short(exc)})", fix=_VECTOR_FIX) from None
    elif role == "table":
        read_table(p)
    elif role == "raster":
        _check_raster(p)


def _network_role(p: Path) -> str:
    name = p.name.lower()
    if name.endswith(".npz"):
        return "saved-network"
    if name.endswith((".pbf", ".graphml")):
        return "network"
    return "vector"


def _check_raster(p: Path) -> None:
    import rasterio  # imported here: reading vectors and tables needs no rasterio

    try:
        with rasterio.open(p) as ds:
            ds.profile  # noqa: B018 - opening and reading the header is the check
    except Exception as exc:  # noqa: BLE001 - rasterio raises RasterioIOError and others
        raise InputError(f"{p}: cannot read as a raster ({_short(exc)})",
                         fix="give a GeoTIFF population grid (e.g. WorldPop)") from None


def _short(exc: BaseException) -> str:
    """An exception's text on one line, at most 200 characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


_VECTOR_FIX = "give a GeoJSON, GeoPackage, Shapefile or FlatGeobuf file (FILE:LAYER for a layer of a GeoPackage)"


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
    crs: Any = None,
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
    crs : optional
        The CRS of the coordinates when the file declares none (EPSG code,
        ``"EPSG:4326"``, WKT ...; CLI: ``--crs``). A file that declares a CRS
        keeps its own.

    Returns
    -------
    GeoDataFrame

    Raises
    ------
    InputError
        If the file does not exist, is not a vector layer or OGR cannot read it.
    """
    p, named = split_layer(path)
    check_input_file(p, expect="vector")
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
        raise InputError(f"{p}: cannot read as a vector layer ({_short(exc)})", fix=_VECTOR_FIX) from None
    if crs is not None and gdf.crs is None:
        gdf = gdf.set_crs(declared_crs(crs))
    if coords not in (None, "wgs84"):
        from .crs import convert_gdf  # late import: crs imports geopandas only

        gdf = convert_gdf(gdf, coords, "wgs84", what=str(p))
    # where the records come from, for messages naming them (record_names); plain text survives copies
    gdf.attrs["source"] = f"{p}:{layer}" if isinstance(layer, str) else str(p)
    return gdf


def record_names(gdf: pd.DataFrame, positions: Iterable[int]) -> list[str]:
    """How the user finds records of a layer read from a file: ``fid 12`` (GeoPackage), ``line 14`` (CSV).

    ``positions`` are row positions in ``gdf``. The file is the one
    :func:`read_vector` noted in ``gdf.attrs["source"]``; its feature ids are
    read again (only when a message needs them). A layer not read from a file,
    or changed since, gives ``record N`` (counted from 1).

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "pop.gpkg"
    >>> gpd.GeoDataFrame({"n": [1, 2]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326).to_file(f)
    >>> record_names(read_vector(f), [1])
    ['fid 2']
    >>> record_names(gpd.GeoDataFrame({"n": [1]}), [0])
    ['record 1']
    """
    pos = [int(i) for i in positions]
    source = gdf.attrs.get("source")
    if source:
        p, layer = split_layer(source)
        if p.suffix.lower() in (".csv", ".tsv", ".txt"):
            return [f"line {i + 2}" for i in pos]  # the header is line 1
        try:
            fids = pyogrio.read_dataframe(p, layer=layer, columns=[], read_geometry=False, fid_as_index=True).index
            if len(fids) == len(gdf):
                return [f"fid {fids[i]}" for i in pos]
        except Exception:  # noqa: BLE001 - fall back to positions
            pass
    return [f"record {i + 1}" for i in pos]


def declared_crs(crs: Any):
    """The CRS given for CRS-less data (``4326``, ``"4326"``, ``"EPSG:4326"``, WKT ...) as a pyproj CRS.

    >>> declared_crs("4490").to_epsg()
    4490
    """
    from pyproj import CRS

    from .errors import CRSError

    text = str(crs).strip()
    try:
        return CRS.from_user_input(f"EPSG:{text}" if text.isdigit() else crs)
    except Exception as exc:  # noqa: BLE001 - pyproj raises its own CRSError
        raise CRSError(f"--crs {crs!r} is not a CRS pyproj knows ({_short(exc)})",
                       fix="give an EPSG code, e.g. --crs 4326 (WGS84 lon/lat), 4490 (CGCS2000 lon/lat) or 4548 "
                           "(CGCS2000 GK CM 117E)") from None


def read_table(path: PathLike, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030) or Excel table as strings.

    Raises
    ------
    InputError
        If the file does not exist, is not a table or cannot be parsed.
    """
    p = Path(path)
    check_input_file(p, expect="table")
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        try:
            # empty cells as "" like the CSV branch, so both formats give the same table
            return pd.read_excel(p, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
        except Exception as exc:
            raise InputError(f"{p}: cannot read as Excel ({_short(exc)})", fix="save it as .xlsx or CSV") from None
    if suffix in {".csv", ".txt", ".tsv"}:
        raw = p.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                raw.decode(enc)
            except UnicodeDecodeError:
                continue
            sep = "\t" if suffix == ".tsv" else ","
            try:
                df = pd.read_csv(p, dtype=str, encoding=enc, sep=sep, keep_default_na=False)
            except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
                if isinstance(exc, pd.errors.ParserError):
                    _refuse_long_rows(p, raw.decode(enc), sep, exc)
                raise InputError(f"{p}: cannot read as a CSV table ({_short(exc)})", fix=_CSV_FIX) from None
            if not isinstance(df.index, pd.RangeIndex):  # pandas took the extra leading fields as an index
                _refuse_long_rows(p, raw.decode(enc), sep)
            return df
        raise InputError(f"{p}: text is neither UTF-8 nor GB18030", fix="save the CSV as UTF-8")
    raise InputError(f"{p}: unknown table type '{suffix}'", fix="give a .csv or .xlsx file")


_CSV_FIX = "save it again as CSV with one header row and the same number of fields on every line"


def _refuse_long_rows(p: Path, text: str, sep: str, exc: Exception | None = None) -> None:
    """Name the first line of a CSV with more fields than its header (else report ``exc``)."""
    import csv
    import io as _io

    rows = csv.reader(_io.StringIO(text.lstrip("\ufeff")), delimiter=sep)
    header = next(rows, [])
    for n, row in enumerate(rows, start=2):
        if len(row) > len(header):
            raise InputError(f"{p} line {n}: {len(row)} fields, but the header row has {len(header)}",
                             fix="remove the extra fields, or quote text that holds commas (\"a, b\")")
    detail = f" ({_short(exc)})" if exc is not None else ""
    raise InputError(f"{p}: cannot read as a CSV table{detail}", fix=_CSV_FIX)


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
