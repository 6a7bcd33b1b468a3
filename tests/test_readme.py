"""README.md stays true: its commands are the ones CI runs, and its demo output is what the demo prints."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_commands():
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["bash scripts/setup.sh", "bash scripts/test.sh"]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert ci == commands


def readme_demo_lines() -> list[str]:
    """The expected-output block that follows the demo command in the README."""
    m = re.search(r"planner-gis demo --out out/\n```\n\n```\n(.*?)```", README, re.S)
    assert m, "README lost its demo output block"
    return [line for line in m.group(1).splitlines() if line.strip()]


def check_demo_output(stdout: str, out_dir: Path) -> None:
    """Every README line (up to any '...') appears in the demo's stdout, with out/ being ``out_dir``."""
    text = stdout.replace(str(out_dir) + "/", "out/")
    for line in readme_demo_lines():
        expected = line.split("...")[0].rstrip()
        if expected.strip():
            assert expected in text, f"README demo line not printed by the demo: {line!r}"
