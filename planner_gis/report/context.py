"""From the plain tables to the values the templates print (formatted text, no layout).

>>> pct(0.58361)
'58.4%'
>>> pct(float("nan"))
'—'
>>> residents(12345.4)
'12,345'
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .inputs import ReportInputs
from .profiles import Profile

#: Text of a value that does not apply (no residents, not assessed).
NA = "—"


def pct(share: float) -> str:
    """A share 0-1 as a percentage with one decimal, or ``—``."""
    return NA if share is None or share != share else f"{share * 100:.1f}%"


def residents(n: float) -> str:
    """A number of residents with thousands separators, or ``—``."""
    return NA if n is None or n != n else f"{int(round(n)):,}"


def _met(row: pd.Series) -> tuple:
    """(text, css class) of meets_target."""
    if row["status"] == "not_assessed":
        return "未评估 not assessed", "na"
    if row["meets_target"] is None or row["meets_target"] != row["meets_target"]:
        return NA, "na"
    return ("达标 met", "pass") if row["meets_target"] else ("未达标 not met", "fail")


def indicator_rows(table: pd.DataFrame) -> list:
    """The rows of one indicator table (a unit's or the district's) as printed."""
    rows = []
    for _, r in table.iterrows():
        met, cls = _met(r)
        target = NA if r["target"] != r["target"] else f"{pct(r['target'])} ({int(r['target_year'])})"
        rows.append({"indicator_id": r["indicator_id"], "name": r["name"], "name_en": r["name_en"],
                     "distance": "全部 all" if r["distance_m"] is None or r["distance_m"] != r["distance_m"]
                     else f"{r['distance_m']:g} m", "population": residents(r["population"]),
                     "covered": residents(r["covered_population"]), "share": pct(r["share"]), "target": target,
                     "met": met, "met_class": cls,
                     "reason": f"not assessed: {r['reason']}" if r["status"] == "not_assessed" else ""})
    return rows


def team_of(inputs: ReportInputs, unit_id: str) -> dict:
    """The responsible team of a unit: from the audit (with contract end and status) or the reach's teams."""
    if inputs.audit_units is not None:
        rows = inputs.audit_units[inputs.audit_units["unit_id"] == unit_id]
        if len(rows):
            r = rows.iloc[0]
            ids, names = _text(r.get("team_ids")), _text(r.get("team_names"))
            team = f"{names} ({ids})" if ids else "无责任团队 No responsible team"
            end = _text(r.get("contract_end"))
            contract = f"至 until {end}" if end else NA
            return {"team": team, "team_id": ids, "contract": contract, "status": _text(r.get("status"))}
    under = inputs.underserved[inputs.underserved["unit_id"] == unit_id]
    ids = sorted({_text(t) for t in under.get("team_id", pd.Series(dtype=str)) if _text(t)})
    if not ids:
        return {"team": "无责任团队 No responsible team (none in the reach's registry)", "team_id": "",
                "contract": NA, "status": ""}
    names = sorted({_text(t) for t in under.get("team_name", pd.Series(dtype=str)) if _text(t)})
    return {"team": f"{'; '.join(names)} ({'; '.join(ids)})" if names else "; ".join(ids), "team_id": ";".join(ids),
            "contract": "— (合同见 --audit; give --audit for contracts)", "status": ""}


def _text(value) -> str:
    """A cell as text ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def sources(inputs: ReportInputs, profile: Profile) -> list:
    """One line per input folder naming the files it was made from."""
    lines = []
    reach_in = inputs.reach_info.get("inputs", {})
    names = ", ".join(f"{k} {Path(str(v)).name}" for k, v in reach_in.items()
                      if v and k in ("network", "facilities", "population", "zones", "teams", "catalogue"))
    lines.append(f"步行可达 Reach ({inputs.folders.get('reach')}): {names}; CRS {inputs.reach_info.get('crs', '')}; "
                 f"registry as of {reach_in.get('as_of') or NA}.")
    if inputs.audit_info is not None:
        lines.append(f"核查 Audit ({inputs.folders.get('audit')}) as of {inputs.audit_info.get('as_of', NA)}.")
    if inputs.evaluation_info is not None:
        ev = inputs.evaluation_info
        lines.append(f"评估 Evaluation ({inputs.folders.get('evaluation')}): {ev.get('rules_name', ev.get('rules'))}, "
                     f"{ev.get('year')}; records {Path(str(ev.get('inputs', {}).get('records', ''))).name}.")
    if inputs.suggest_info is not None:
        lines.append(f"选址 Suggested sites ({inputs.folders.get('suggest')}): {inputs.suggest_info.get('category')}, "
                     f"{inputs.suggest_info.get('model', '')}.")
    return lines


def indicator_sources(profile: Profile) -> list:
    """One line per indicator: its source, and whether it is checked or an assumption."""
    out = []
    for ind in profile.indicators:
        flags = [] if ind.source_checked else ["来源未核对 source not checked against the text"]
        flags += ["假设 assumption"] if ind.assumption else []
        line = f"{ind.name}: {ind.source}" + (f" [{'; '.join(flags)}]" if flags else "")
        line += f" {ind.note}" if ind.note else ""
        line += f" 目标 Targets: {ind.target_source}" if ind.targets else ""
        out.append(line)
    return out
