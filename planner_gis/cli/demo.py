"""``planner-gis demo``: the main jobs on the bundled Fengtai demo data.

Runs, into ``DIR``:

1. the zone audit (``DIR/audit/``), as ``planner-gis audit`` would;
2. the living-circle reach on the synthetic demo city (``DIR/reach/``), as
   ``planner-gis reach`` would, naming the team of each underserved place and
   drawing isochrones around middle schools and health centres;
3. kindergarten sites for the most underserved unit (the most residents
   beyond 300 m of a kindergarten): 3 sites among points every 100 m of its
   streets (``DIR/suggest/``), as ``planner-gis suggest`` would;
4. the two web maps, ``DIR/audit_map.html`` and ``DIR/reach_map.html`` (with
   the suggested sites and the areas they newly cover).

The reach folder also gets ``scenario.npz`` for ``planner-gis whatif DIR/reach ...``.
"""

from __future__ import annotations

import argparse

from .. import datasets
from ._common import HELP_FORMATTER, epilog

#: Categories whose facilities get isochrones in the demo (few, large facilities).
DEMO_ISOCHRONE_CATEGORIES = ("middle_school", "health_centre")
#: Category, number of sites and candidate spacing of the demo's site suggestion.
DEMO_SUGGEST = ("kindergarten", 3, "every:100")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser(
        "demo", help="run audit, reach, site suggestion and web maps on the bundled Fengtai demo data",
        description="Runs the audit, the living-circle reach, kindergarten sites for the most underserved unit and "
                    "both web maps on the bundled Fengtai demo "
                    "(schematic units, invented registry, synthetic city) as of "
                    f"{datasets.DEMO_AS_OF}. Demo data only: not for planning decisions.",
        formatter_class=HELP_FORMATTER,
        epilog=epilog([], "planner-gis demo --out out/"))
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--as-of", default=datasets.DEMO_AS_OF, metavar="YYYY-MM-DD",
                   help=f"audit and registry date (default {datasets.DEMO_AS_OF})")
    p.add_argument("--skip-reach", action="store_true", help="run the audit and its map only")
    p.set_defaults(handler=run)


def most_underserved(coverage, category: str) -> str:
    """The unit with the most residents beyond the category's threshold (ties: the first in the table).

    >>> import pandas as pd
    >>> cov = pd.DataFrame({"unit_id": ["a", "b"], "category": "kg", "population": [100.0, 50],
    ...                     "covered_population": [90.0, 10]})
    >>> most_underserved(cov, "kg")
    'b'
    """
    rows = coverage[coverage["category"] == category]
    gap = (rows["population"] - rows["covered_population"]).to_numpy()
    return str(rows["unit_id"].iloc[int(gap.argmax())])


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from .._progress import scaled
    from ..audit import audit
    from ..facilities import load_catalogue
    from ..living_circle import assess_living_circle, read_population
    from ..io import read_vector
    from ..network import read_network
    from ..registry import active_unit_teams
    from ..scenario import save_scenario, scenario_from_layers
    from ..suggest import suggest_sites
    from ..webmap import DEMO_NOTE, audit_map, reach_map, save_map, suggest_map
    from ..zones import read_zones
    from . import audit as audit_cli
    from . import reach as reach_cli
    from . import suggest as suggest_cli
    from ._common import prepare_out_dir

    outputs = [f"audit/{o}" for o in audit_cli.OUTPUTS] + ["audit_map.html"]
    if not args.skip_reach:
        outputs += [f"reach/{o}" for o in (*reach_cli.OUTPUTS, "scenario.npz")] + ["reach_map.html"]
        outputs += [f"suggest/{o}" for o in suggest_cli.OUTPUTS]
    out = prepare_out_dir(args.out, outputs, [])
    outline = datasets.load_demo_outline()
    units = read_zones(datasets.demo_units_path())
    registry = datasets.load_demo_registry()

    print("== audit (schematic units, demo registry)")
    result = audit(units, registry, as_of=args.as_of, outline=outline)
    audit_cli.write_audit(result, out / "audit")
    audit_cli.print_summary(result, out / "audit")
    save_map(audit_map(result, outline=outline, note=DEMO_NOTE), out / "audit_map.html")
    print(f"  map: {out / 'audit_map.html'}")
    if args.skip_reach:
        return 0

    print("== living-circle reach (SYNTHETIC network, facilities and population)")
    catalogue = load_catalogue()
    teams = active_unit_teams(registry, args.as_of)
    with args.reporter.progress("reach") as bar:
        net = read_network(datasets.demo_network_path(), progress=scaled(bar, 0.0, 0.2))
        facilities = read_vector(datasets.demo_facilities_path())
        population = read_population(datasets.demo_population_path(), metric_crs=net.crs)
        entrances = read_vector(datasets.demo_entrances_path())
        lc = assess_living_circle(
            net, facilities, population, units, catalogue, entrances=entrances, teams=teams,
            isochrone_categories=DEMO_ISOCHRONE_CATEGORIES, progress=scaled(bar, 0.2, 1.0),
        )
    inputs = {"network": str(datasets.demo_network_path()), "facilities": str(datasets.demo_facilities_path()),
              "population": str(datasets.demo_population_path()), "zones": str(datasets.demo_units_path()),
              "teams": str(datasets.demo_registry_path()), "as_of": args.as_of, "catalogue": None,
              "entrances": str(datasets.demo_entrances_path())}
    reach_cli.write_reach(lc, out / "reach", inputs)
    save_scenario(scenario_from_layers(net, lc.access, population, units, catalogue), out / "reach" / "scenario.npz")
    reach_cli.print_summary(lc, catalogue, 200.0, out / "reach")
    print(f"  what-if file: {out / 'reach' / 'scenario.npz'} (planner-gis whatif {out / 'reach'} ...)")
    category, k, candidates = DEMO_SUGGEST
    unit = most_underserved(lc.coverage, category)
    print(f"== {category} sites for the most underserved unit, {unit} (SYNTHETIC city)")
    with args.reporter.progress("suggest") as bar:
        sug = suggest_sites(net, facilities, population, units, category, candidates, sites=k, units=[unit],
                            catalogue=catalogue, teams=teams, entrances=entrances, progress=bar)
    suggest_cli.write_suggestion(sug, out / "suggest", {**inputs, "candidates": candidates, "units": [unit]})
    suggest_cli.print_summary(sug, out / "suggest")
    m = reach_map(lc.coverage_units, lc.underserved, lc.isochrones, category="tier_15", outline=outline,
                  note=DEMO_NOTE)
    save_map(suggest_map(sug.sites_layer, sug.newly_covered, m=m, title=None), out / "reach_map.html")
    print(f"  map: {out / 'reach_map.html'}")
    args.reporter.done("demo: audit, reach, suggested sites and both web maps", {"out": str(out)})
    return 0
