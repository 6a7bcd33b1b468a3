"""One command over many cities or districts: ``planner-gis batch reach|audit CITIES --out DIR``.

:func:`read_cities` reads the city list (CSV or YAML, one row per city and
its inputs); :func:`run_batch` runs the single-city command for each city as
one task on dask.distributed (a ``LocalCluster`` by default, or an existing
scheduler), writing ``DIR/cities/NAME/`` and a completion marker last, so that
a re-run resumes; :func:`combine` writes the tables of all cities with a
``city`` column. dask and distributed are the ``batch`` extra.
"""

from .cities import City, read_cities
from .run import COMBINED, MARKER, city_dir, combine, is_done, run_batch, run_city

__all__ = ["City", "read_cities", "COMBINED", "MARKER", "city_dir", "combine", "is_done", "run_batch", "run_city"]
