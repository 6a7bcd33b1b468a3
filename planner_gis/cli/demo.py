"""``planner-gis demo``: the main jobs on the bundled Fengtai demo data.

Runs, into ``DIR``:

1. the zone audit (``DIR/audit/``), as ``planner-gis audit`` would;
2. the living-circle reach on the synthetic demo city (``DIR/reach/``), as
   ``planner-gis reach`` would, naming the team of each underserved place and
   drawing isochrones around middle schools and health centres;
3. kindergarten sites for the most underserved unit (the most residents
   beyond 300 m of a kindergarten): 3 sites among points every 100 m of its
   streets (``DIR/suggest/``), as ``planner-gis suggest`` would;
4. the web maps ``DIR/audit_map.html`` and ``DIR/reach_map.html`` (with the
   suggested sites and the areas they newly cover);
5. the annual evaluation of the synthetic 2025 work records with the Liaocheng
   rules (``DIR/evaluation/``), as ``planner-gis evaluate`` would, counting the
   records inside the reach's underserved areas, and its map
   ``DIR/evaluation_map.html``.

The reach folder also gets ``scenario.npz`` for ``planner-gis whatif DIR/reach ...``.
"""

from __future__ import annotations

import argparse

from .. import datasets
from ._common import HELP_FORMATTER, epilog

#: The rules the demo evaluates its synthetic work records with (those with visits, service days and fees).
DEMO_RULES = "liaocheng"
#: Categories whose facilities get isochrones in the demo (few, large facilities).
DEMO_ISOCHRONE_CATEGORIES = ("middle_school", "health_centre")
#: Category, number of sites and candidate spacing of the demo's site suggestion.
DEMO_SUGGEST = ("kindergarten", 3, "every:100")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser(
        "demo", help="run audit, reach, site suggestion, evaluation and web maps on the bundled Fengtai demo data",
        description="Runs the audit, the living-circle reach, kindergarten sites for the most underserved unit, "
                    "the annual evaluation and their web maps on the bundled Fengtai demo "
                    "(schematic units, invented registry, synthetic city) as of "
                    f"{datasets.DEMO_AS_OF}. Demo data only: not for planning decisions.",
        formatter_class=HELP_FORMATTER,
        epilog=epilog([], "planner-gis demo --out out/"))
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--as-of", default=datasets.DEMO_AS_OF, metavar="YYYY-MM-DD",
                   help=f"audit and registry date (default {datasets.DEMO_AS_OF})")
    p.add_argument("--skip-reach", action="store_true",
                   help="skip the living-circle reach and site suggestion (the slow part); the evaluation runs "
                        "without them")
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
    from ..audit import audit
    from ..evaluation import load_rules
    from ..webmap import DEMO_NOTE, audit_map, save_map
    from ..zones import read_zones
    from . import audit as audit_cli
    from . import evaluate as evaluate_cli
    from . import reach as reach_cli
    from . import suggest as suggest_cli
    from ._common import prepare_out_dir

    outputs = [f"audit/{o}" for o in audit_cli.OUTPUTS] + ["audit_map.html"]
    if not args.skip_reach:
        outputs += [f"reach/{o}" for o in (*reach_cli.OUTPUTS, "scenario.npz")] + ["reach_map.html"]
        outputs += [f"suggest/{o}" for o in suggest_cli.OUTPUTS]
    outputs += [f"evaluation/{o}" for o in evaluate_cli.outputs_for(load_rules(DEMO_RULES), not args.skip_reach)]
    out = prepare_out_dir(args.out, outputs + ["evaluation_map.html"], [])
    outline = datasets.load_demo_outline()
    units = read_zones(datasets.demo_units_path())
    registry = datasets.load_demo_registry()

    print("== audit (schematic units, demo registry)")
    result = audit(units, registry, as_of=args.as_of, outline=outline)
    audit_cli.write_audit(result, out / "audit")
    audit_cli.print_summary(result, out / "audit")
    save_map(audit_map(result, outline=outline, note=DEMO_NOTE), out / "audit_map.html")
    print(f"  map: {out / 'audit_map.html'}")
    lc = None if args.skip_reach else _reach(args, out, units, registry, outline)
    _evaluation(args, out, units, registry, outline, lc)
    args.reporter.done("demo: audit, reach, suggested sites, evaluation and their web maps", {"out": str(out)})
    return 0


def _reach(args: argparse.Namespace, out, units, registry, outline):
    """The living-circle reach of the demo, kindergarten sites and the reach map; returns the LivingCircle."""
    from .._progress import scaled
    from ..facilities import load_catalogue
    from ..io import read_vector
    from ..living_circle import assess_living_circle, read_population
    from ..network import read_network
    from ..registry import active_unit_teams
    from ..scenario import save_scenario, scenario_from_layers
    from . import reach as reach_cli

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
    layers = {"net": net, "facilities": facilities, "population": population, "entrances": entrances,
              "catalogue": catalogue, "teams": teams}
    _suggest(args, out, units, outline, lc, layers, inputs)
    return lc


def _suggest(args: argparse.Namespace, out, units, outline, lc, layers: dict, inputs: dict) -> None:
    """Kindergarten sites for the demo's most underserved unit, drawn on the reach map."""
    from ..suggest import suggest_sites
    from ..webmap import DEMO_NOTE, reach_map, save_map, suggest_map
    from . import suggest as suggest_cli

    category, k, candidates = DEMO_SUGGEST
    unit = most_underserved(lc.coverage, category)
    print(f"== {category} sites for the most underserved unit, {unit} (SYNTHETIC city)")
    with args.reporter.progress("suggest") as bar:
        sug = suggest_sites(layers["net"], layers["facilities"], layers["population"], units, category, candidates,
                            sites=k, units=[unit], catalogue=layers["catalogue"], teams=layers["teams"],
                            entrances=layers["entrances"], progress=bar)
    suggest_cli.write_suggestion(sug, out / "suggest", {**inputs, "candidates": candidates, "units": [unit]})
    suggest_cli.print_summary(sug, out / "suggest")
    m = reach_map(lc.coverage_units, lc.underserved, lc.isochrones, category="tier_15", outline=outline,
                  note=DEMO_NOTE)
    save_map(suggest_map(sug.sites_layer, sug.newly_covered, m=m, title=None), out / "reach_map.html")
    print(f"  map: {out / 'reach_map.html'}")


def _evaluation(args: argparse.Namespace, out, units, registry, outline, lc) -> None:
    """The annual evaluation of the demo's synthetic work records and its map."""
    from ..evaluation import evaluate
    from ..webmap import DEMO_NOTE, evaluation_map, save_map
    from . import evaluate as evaluate_cli

    year = datasets.DEMO_EVALUATION_YEAR
    print(f"== annual evaluation (SYNTHETIC work records of {year}, {DEMO_RULES} rules as an example)")
    with args.reporter.progress("evaluate") as bar:
        result = evaluate(datasets.demo_records_path(), registry, units, DEMO_RULES, year,
                          reach=None if lc is None else lc.underserved, progress=bar)
    inputs = {"records": str(datasets.demo_records_path()), "teams": str(datasets.demo_registry_path()),
              "zones": str(datasets.demo_units_path()), "rules": DEMO_RULES, "year": year}
    names = evaluate_cli.write_evaluation(result, out / "evaluation", inputs)
    evaluate_cli.print_summary(result, out / "evaluation", names)
    save_map(evaluation_map(result, outline=outline, note=DEMO_NOTE), out / "evaluation_map.html")
    print(f"  map: {out / 'evaluation_map.html'}")
