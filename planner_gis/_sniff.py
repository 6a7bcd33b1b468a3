r"""What a file holds, from its first bytes: the check behind every input's "is this the right file?".

:func:`sniff` names the content of a file (a GeoPackage, an Excel workbook, a
GeoTIFF, CSV text, binary junk, ...) from its magic bytes, whatever its name
says; :func:`content_problem` compares that with the role the file plays (a
vector layer, a table, a raster, a walking network) and with its extension,
and says what is wrong, so a GeoPackage that is really a CSV or a raster given
as zones is refused with a plain sentence before any reader runs. Standard
library only.

Examples
--------
>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "units.gpkg").write_text("unit_id,name\n1,a\n", encoding="utf-8")
>>> sniff(d / "units.gpkg")
'text'
>>> content_problem(d / "units.gpkg", "vector")[0]
'is a text file (CSV or similar), not a GeoPackage'
>>> content_problem(d / "units.gpkg", "vector")[1]
'give the GeoPackage itself, or a table where a table is asked for'
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

#: How many bytes are read to recognise a file.
HEAD = 8192

#: Content kinds and how messages name them.
DESCRIPTIONS = {
    "sqlite": "a GeoPackage (SQLite database)",
    "excel": "an Excel workbook (.xlsx)",
    "ole": "an old Office file (.xls or .doc)",
    "npz": "a saved network (.npz)",
    "zip": "a ZIP archive",
    "tiff": "a GeoTIFF raster",
    "pbf": "an OpenStreetMap extract (.osm.pbf)",
    "xml": "an XML file (GraphML, KML or GML)",
    "json": "a JSON or GeoJSON text",
    "html": "an HTML page",
    "shp": "a shapefile (.shp)",
    "fgb": "a FlatGeobuf file",
    "parquet": "a Parquet file",
    "pdf": "a PDF document",
    "image": "an image (PNG, JPEG or GIF)",
    "gzip": "a gzip archive",
    "text": "a text file (CSV or similar)",
    "binary": "binary data of no format planner-gis reads",
}

_MAGIC = (
    (b"SQLite format 3\x00", "sqlite"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"), (b"II+\x00", "tiff"), (b"MM\x00+", "tiff"),
    (b"\x00\x00\x27\x0a", "shp"),
    (b"fgb", "fgb"),
    (b"PAR1", "parquet"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"), (b"GIF8", "image"),
    (b"\x1f\x8b", "gzip"),
)

#: What each extension promises (content kinds it may hold).
SUFFIX_CONTENT = {
    ".gpkg": ("sqlite",), ".sqlite": ("sqlite",), ".db": ("sqlite",),
    ".geojson": ("json",), ".json": ("json",),
    ".shp": ("shp",), ".fgb": ("fgb",), ".parquet": ("parquet",),
    ".kml": ("xml",), ".gml": ("xml",), ".graphml": ("xml",),
    ".csv": ("text", "json"), ".tsv": ("text",), ".txt": ("text", "json"),
    ".xlsx": ("excel",), ".xlsm": ("excel",), ".xls": ("ole", "excel"),
    ".tif": ("tiff",), ".tiff": ("tiff",),
    ".npz": ("npz",), ".pbf": ("pbf",),
    ".zip": ("zip", "excel", "npz"),
}

#: Contents each role accepts, and the fix a message proposes for that role.
ROLES = {
    "vector": (("sqlite", "json", "xml", "shp", "fgb", "parquet", "zip", "text", "binary"),
               "give a vector layer: GeoJSON, GeoPackage, Shapefile or FlatGeobuf"),
    "table": (("text", "json", "excel", "ole"), "give a table: .csv (UTF-8 or GBK) or .xlsx"),
    "raster": (("tiff", "xml", "text", "binary"), "give a raster such as a GeoTIFF population grid"),
    "network": (("npz", "xml", "pbf", "sqlite", "json", "shp", "fgb", "parquet", "zip", "text", "binary"),
                "give an .osm.pbf extract, an OSMnx .graphml, a network saved by `planner-gis network` (.npz) "
                "or a line layer (GeoPackage, GeoJSON, Shapefile)"),
}

#: Formats other than the ones above whose files are binary (read by OGR or GDAL as they are).
OTHER_BINARY_SUFFIXES = (".dbf", ".shx", ".tab", ".map", ".dat", ".img", ".gdb", ".mif", ".osm", ".sqlite3")


def _zip_kind(path: Path) -> str:
    """``excel``, ``npz`` or ``zip`` for a ZIP container."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError):
        return "zip"
    if any(n.startswith("xl/") for n in names):
        return "excel"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return "zip"


def _text_kind(head: bytes) -> str:
    """``json``, ``xml``, ``html``, ``text`` or ``binary`` for the first bytes of a file."""
    if b"\x00" in head:
        return "binary"
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    for enc in ("utf-8", "gb18030"):
        try:
            # the last character may be cut by the read: an incremental decoder keeps it pending
            text = codecs.getincrementaldecoder(enc)().decode(body, final=len(head) < HEAD)
            break
        except UnicodeDecodeError:
            continue
    else:
        return "binary"
    start = text.lstrip()[:200].lower()
    if start.startswith(("{", "[")):
        return "json"
    if start.startswith(("<!doctype html", "<html")):
        return "html"
    if start.startswith("<"):
        return "xml"
    return "text"


def sniff(path: Path) -> str:
    """The kind of content of ``path`` (a key of :data:`DESCRIPTIONS`), from its first bytes.

    Raises
    ------
    OSError
        If the file cannot be opened (e.g. ``PermissionError``).
    """
    with open(path, "rb") as fh:
        head = fh.read(HEAD)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path)
    if len(head) > 12 and int.from_bytes(head[:4], "big") < 65536 and b"OSMHeader" in head[4:32]:
        return "pbf"
    return _text_kind(head)


def content_problem(path: Path, role: str) -> tuple[str, str] | None:
    """``(what is wrong, fix)`` when ``path``'s content does not fit ``role`` or its extension; else None.

    ``role`` is ``vector``, ``table``, ``raster`` or ``network`` (see :data:`ROLES`).
    """
    accepted, role_fix = ROLES[role]
    kind = sniff(path)
    what = DESCRIPTIONS[kind]
    suffix = path.suffix.lower()
    promised = SUFFIX_CONTENT.get(suffix)
    if kind not in accepted:
        return f"is {what}, not {_role_name(role)}", role_fix
    if promised is not None and kind not in promised:
        expected = DESCRIPTIONS[promised[0]].split(" (")[0]
        better = [s for s, kinds in SUFFIX_CONTENT.items() if kinds[0] == kind]
        if kind == "text" and suffix in (".gpkg", ".sqlite"):
            fix = f"give the {expected.split(' ', 1)[1]} itself, or a table where a table is asked for"
        elif kind in ("text", "binary") or not better:
            fix = role_fix
        else:
            fix = f"if it is {what}, rename it to {better[0]}; else {role_fix}"
        return f"is {what}, not {expected}", fix
    if kind == "binary" and suffix not in OTHER_BINARY_SUFFIXES and promised is None:
        return f"holds {what}", role_fix
    return None


def _role_name(role: str) -> str:
    return {"vector": "a vector layer", "table": "a table", "raster": "a raster",
            "network": "a walking network"}[role]
