"""The README's examples are true: its scenario file loads and runs as shown."""

from __future__ import annotations

import re
from pathlib import Path

import outlook

README = Path(__file__).resolve().parent.parent / "README.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_readme_scenario_file_loads_and_runs(tmp_path: Path) -> None:
    blocks = yaml_blocks()
    assert blocks, "the README shows a scenario file"
    for i, text in enumerate(blocks):
        p = tmp_path / f"readme{i}.yaml"
        p.write_text(text, encoding="utf-8")
        scenario = outlook.load_scenario(p)
        assert scenario.drivers[0].source is not None  # the example shows a range with its source
        tables = outlook.run_outlook(p, samples=2000, seed=1)
        assert tables.scenarios.groupby("horizon")["p"].sum().round(12).eq(1.0).all()
