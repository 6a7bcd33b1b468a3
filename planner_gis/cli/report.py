"""``planner-gis report``: the document a street office receives, per unit, and a district summary.

Contract (kept stable)::

    planner-gis report --reach DIR [--audit DIR] [--evaluation DIR] [--suggest DIR]
        [--profile FILE] --out DIR [--units ID ...] [--format pdf|html|both]

Writes (each atomically; no output may be an input)

* ``DIR/district.pdf``: the indicator table per unit, a map of the district,
  audit findings and team workload (with ``--audit``), the evaluation summary
  (with ``--evaluation``), suggested sites (with ``--suggest``);
* ``DIR/units/<unit_id>.pdf`` for each unit (or those of ``--units``): a map
  with the underserved areas and suggested sites, the indicators against
  targets, the categories below their walking distance with the residents
  affected, the responsible team and contract, the team's evaluation;
* the same as ``.html`` with ``--format html|both``.

Exit status 0 when written, 2 on bad input with a one-line message.
"""

from __future__ import annotations

import argparse

from ._common import HELP_FORMATTER, epilog


def _epilog() -> str:
    return epilog(
        [("--reach", "the --out folder of planner-gis reach (coverage.csv, reach.gpkg, reach.json)"),
         ("--audit", "the --out folder of planner-gis audit (findings.csv, workload.csv, audit.gpkg, audit.json)"),
         ("--evaluation", "the --out folder of planner-gis evaluate (compliance.csv, record_findings.csv, "
                          "evaluation.gpkg, evaluation.json; fees.csv if any)"),
         ("--suggest", "the --out folder of planner-gis suggest (sites.csv, suggest.json)"),
         ("--profile", "checkup (built in) or a .toml profile: [[indicators]] with id, name, categories (one) or "
                       "tier, distance_m, source (copy planner_gis/data/profiles/checkup.toml)")],
        "planner-gis report --reach out/reach --audit out/audit --evaluation out/evaluation --suggest out/suggest "
        "--out out/report",
        first="demo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    from ..report import builtin_profiles

    p = sub.add_parser(
        "report", help="PDF/HTML reports: a district summary and one document per unit",
        description="Makes the documents a responsibility planner hands to the street or township: one per unit "
                    "(map of underserved areas, walking-coverage indicators against targets, gaps, team, "
                    "evaluation) and a district summary, from the folders written by reach, audit, evaluate and "
                    "suggest.",
        formatter_class=HELP_FORMATTER, epilog=_epilog())
    p.add_argument("--reach", required=True, metavar="DIR", help="output folder of planner-gis reach")
    p.add_argument("--audit", metavar="DIR", help="output folder of planner-gis audit (teams, contracts, findings)")
    p.add_argument("--evaluation", metavar="DIR", help="output folder of planner-gis evaluate")
    p.add_argument("--suggest", metavar="DIR", help="output folder of planner-gis suggest")
    p.add_argument("--profile", metavar="FILE",
                   help=f"indicator profile: {'|'.join(builtin_profiles())} (default) or a .toml file")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (district.pdf, units/<unit_id>.pdf)")
    p.add_argument("--units", nargs="+", metavar="ID", help="unit documents only for these units (default all)")
    p.add_argument("--format", choices=("pdf", "html", "both"), default="pdf", help="pdf (default), html or both")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="date printed on the pages (default today)")
    p.add_argument("--review-number", metavar="TEXT", help="map review number (审图号) printed under the maps")
    p.set_defaults(handler=run)


def formats_of(choice: str) -> tuple:
    """The formats of ``--format``.

    >>> formats_of("both")
    ('pdf', 'html')
    """
    return ("pdf", "html") if choice == "both" else (choice,)


def _date(text: str | None) -> str | None:
    """``--date`` checked as YYYY-MM-DD."""
    import datetime as dt

    from ..errors import InputError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(f"--date {text!r} is not a date", fix="write it as YYYY-MM-DD, e.g. 2026-03-31") from None


def print_summary(rep, out, formats) -> None:
    """The human summary of a report run (``formats``: those written, e.g. ``("pdf", "html")``)."""
    units = len(rep.unit_html)
    bad = rep.indicators[rep.indicators["status"] == "not_assessed"].drop_duplicates("indicator_id")
    print(f"reports: district summary and {units} unit document{'s' if units != 1 else ''}, "
          f"{len(rep.district)} indicators (profile {rep.profile_id})")
    for _, r in bad.iterrows():
        print(f"  warning: indicator {r['indicator_id']} not assessed: {r['reason']}")
    kinds = "/".join(formats)
    print(f"  written to {out}/ (district.{kinds}, units/<unit_id>.{kinds})")


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from .._progress import scaled
    from ..report import build_report, load_profile, output_names, read_inputs, write_report
    from ..report.render import check_units
    from ._common import prepare_out_dir

    date = _date(args.date)
    formats = formats_of(args.format)
    profile = load_profile(args.profile)
    inputs = read_inputs(args.reach, audit=args.audit, evaluation=args.evaluation, suggest=args.suggest)
    unit_ids = check_units(inputs, args.units)
    input_files = [f"{d}/{f}" for d in (args.reach, args.audit, args.evaluation, args.suggest) if d
                   for f in ("coverage.csv", "sites.csv", "compliance.csv", "findings.csv")]
    out = prepare_out_dir(args.out, output_names(unit_ids, formats), input_files + [args.profile])
    with args.reporter.progress("report") as bar:
        rep = build_report(inputs, profile, units=unit_ids, date=date, review=args.review_number,
                           progress=scaled(bar, 0.0, 0.4))
        written = write_report(rep, out, formats, progress=scaled(bar, 0.4, 1.0))
    print_summary(rep, out, formats)
    args.reporter.done(f"report: {len(rep.unit_html)} unit documents", {"district": str(written[0]),
                                                                        "units": str(out / "units")})
    return 0
