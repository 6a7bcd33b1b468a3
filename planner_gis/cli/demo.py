"""``planner-gis demo``: the main jobs on the bundled Fengtai demo data.

Runs, into ``DIR``:

1. the zone audit (``DIR/audit/``), as ``planner-gis audit`` would;
2. the living-circle reach on the synthetic demo city (``DIR/reach/``), as
   ``planner-gis reach`` would, naming the team of each underserved place and
   drawing isochrones around middle schools and health centres;
3. the two web maps, ``DIR/audit_map.html`` and ``DIR/reach_map.html``;
4. the annual evaluation of the synthetic 2025 work records with the Liaocheng
   rules (``DIR/evaluation/``), as ``planner-gis evaluate`` would, counting the
   records inside the reach's underserved areas, and its map
   ``DIR/evaluation_map.html``.
"""

from __future__ import annotations

import argparse

from .. import datasets

#: The rules the demo evaluates its synthetic work records with (those with visits, service days and fees).
DEMO_RULES = "liaocheng"
#: Categories whose facilities get isochrones in the demo (few, large facilities).
DEMO_ISOCHRONE_CATEGORIES = ("middle_school", "health_centre")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser(
        "demo", help="run audit, reach, evaluation and web maps on the bundled Fengtai demo data",
        description="Runs the audit, the living-circle reach, the annual evaluation and their web maps on the "
                    "bundled Fengtai demo "
                    "(schematic units, invented registry, synthetic city) as of "
                    f"{datasets.DEMO_AS_OF}. Demo data only: not for planning decisions.")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--as-of", default=datasets.DEMO_AS_OF, metavar="YYYY-MM-DD",
                   help=f"audit and registry date (default {datasets.DEMO_AS_OF})")
    p.add_argument("--skip-reach", action="store_true",
                   help="skip the living-circle reach (the slow part); the evaluation runs without it")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from ..audit import audit
    from ..evaluation import load_rules
    from ..webmap import DEMO_NOTE, audit_map, save_map
    from ..zones import read_zones
    from . import audit as audit_cli
    from . import evaluate as evaluate_cli
    from . import reach as reach_cli
    from ._common import prepare_out_dir

    outputs = [f"audit/{o}" for o in audit_cli.OUTPUTS] + ["audit_map.html"]
    if not args.skip_reach:
        outputs += [f"reach/{o}" for o in reach_cli.OUTPUTS] + ["reach_map.html"]
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
    args.reporter.done("demo: audit, reach, evaluation and their web maps", {"out": str(out)})
    return 0


def _reach(args: argparse.Namespace, out, units, registry, outline):
    """The living-circle reach of the demo and its map; returns the LivingCircle."""
    from .._progress import scaled
    from ..facilities import load_catalogue
    from ..io import read_vector
    from ..living_circle import assess_living_circle, read_population
    from ..network import read_network
    from ..registry import active_unit_teams
    from ..webmap import DEMO_NOTE, reach_map, save_map
    from . import reach as reach_cli

    print("== living-circle reach (SYNTHETIC network, facilities and population)")
    catalogue = load_catalogue()
    with args.reporter.progress("reach") as bar:
        net = read_network(datasets.demo_network_path(), progress=scaled(bar, 0.0, 0.2))
        lc = assess_living_circle(
            net,
            read_vector(datasets.demo_facilities_path()),
            read_population(datasets.demo_population_path(), metric_crs=net.crs),
            units,
            catalogue,
            entrances=read_vector(datasets.demo_entrances_path()),
            teams=active_unit_teams(registry, args.as_of),
            isochrone_categories=DEMO_ISOCHRONE_CATEGORIES,
            progress=scaled(bar, 0.2, 1.0),
        )
    inputs = {"network": str(datasets.demo_network_path()), "facilities": str(datasets.demo_facilities_path()),
              "population": str(datasets.demo_population_path()), "zones": str(datasets.demo_units_path()),
              "teams": str(datasets.demo_registry_path()), "as_of": args.as_of, "catalogue": None,
              "entrances": str(datasets.demo_entrances_path())}
    reach_cli.write_reach(lc, out / "reach", inputs)
    reach_cli.print_summary(lc, catalogue, 200.0, out / "reach")
    save_map(reach_map(lc.coverage_units, lc.underserved, lc.isochrones, category="tier_15", outline=outline,
                       note=DEMO_NOTE), out / "reach_map.html")
    print(f"  map: {out / 'reach_map.html'}")
    return lc


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
