"""Benchmark of the reports (planner_gis.report) on the demo's result folders.

Scenarios, on the folders of one ``planner-gis demo`` run (made once, or given with ``--from``):

* ``build``: reading the folders and laying out the HTML of the district summary and of each unit
  (tables, matplotlib map and chart per unit, Jinja2), in 1 process and in ``--workers`` processes;
* ``pdf``: printing those documents to PDF with WeasyPrint, in 1 process and in ``--workers``
  processes (the reference is the single process, run in the same process right before);
* ``html``: writing the same documents as HTML (no printing).

Each figure is the median of ``--repeat`` runs; seconds per document are given with the totals.

Usage::

    .venv/bin/python benchmarks/bench_report.py                    # demo run first (~1 min), then ~2 min
    .venv/bin/python benchmarks/bench_report.py --from out --repeat 3 --json report.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _demo(out: Path) -> Path:
    """Run the demo into ``out`` (reach, audit, suggest, evaluation folders)."""
    from planner_gis.cli import main

    assert main(["--progress", "none", "--quiet", "demo", "--out", str(out)]) == 0
    return out


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(folders: Path, repeat: int, workers: int) -> dict:
    from planner_gis.report import build_report, read_inputs, write_report

    inputs = read_inputs(folders / "reach", audit=folders / "audit", evaluation=folders / "evaluation",
                         suggest=folders / "suggest")
    n_units = len(inputs.units)
    results = {"units": n_units, "documents": n_units + 1, "workers": workers}
    results["build_1"] = _median(lambda: build_report(inputs, date="2026-03-31", workers=1), repeat)
    results[f"build_{workers}"] = _median(lambda: build_report(inputs, date="2026-03-31", workers=workers), repeat)
    rep = build_report(inputs, date="2026-03-31")
    with tempfile.TemporaryDirectory() as tmp:
        results["pdf_1"] = _median(lambda: write_report(rep, Path(tmp) / "a", ("pdf",), workers=1), repeat)
        results[f"pdf_{workers}"] = _median(lambda: write_report(rep, Path(tmp) / "b", ("pdf",), workers=workers),
                                            repeat)
        results["html"] = _median(lambda: write_report(rep, Path(tmp) / "c", ("html",)), repeat)
    docs = results["documents"]
    results["build_per_unit_1"] = results["build_1"] / n_units
    results["pdf_per_document_1"] = results["pdf_1"] / docs
    results["pdf_speedup"] = results["pdf_1"] / results[f"pdf_{workers}"]
    results["build_speedup"] = results["build_1"] / results[f"build_{workers}"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", help="folder of a planner-gis demo run (default: run the demo)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folders = Path(args.source) if args.source else _demo(Path(tmp) / "demo")
        results = run(folders, args.repeat, args.workers)
    w = args.workers
    print(f"report on {results['units']} units ({results['documents']} documents), median of {args.repeat}:")
    print(f"  build (tables, maps, HTML):   1 process {results['build_1']:.1f} s "
          f"({results['build_per_unit_1']:.2f} s per unit); {w} processes {results[f'build_{w}']:.1f} s "
          f"(x{results['build_speedup']:.2f})")
    print(f"  PDF (WeasyPrint):             1 process {results['pdf_1']:.1f} s "
          f"({results['pdf_per_document_1']:.2f} s per document); {w} processes {results[f'pdf_{w}']:.1f} s "
          f"(x{results['pdf_speedup']:.2f})")
    print(f"  HTML:                         {results['html']:.2f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
