"""``python -m planner_gis ...``: the same as the ``planner-gis`` command.

The QGIS plugin runs the library this way with the Python of a configured
environment, so no console script needs to be on the PATH.
"""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
