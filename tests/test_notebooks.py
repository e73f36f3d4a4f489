"""Notebooks run end to end and show their figures; outlook's figures display inline in Jupyter.

The executed-notebook tests run a real Jupyter kernel through nbconvert, as
``jupyter nbconvert --to notebook --execute`` does (they are skipped where
nbconvert or ipykernel is not installed; the ``test`` extra installs both).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
QUICKSTART = Path(__file__).parents[1] / "notebooks" / "quickstart.ipynb"
#: The teaching notebooks, 01-... to 09-... (README, "Teaching")
TEACHING = [p for p in NOTEBOOKS if re.match(r"\d\d-", p.name)]
IMAGES = ("image/png", "image/svg+xml")


def _tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _source(cell: dict[str, Any]) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each notebook's code cells run without error (with a small sample count), its solution cells stripped first.

    The cells not tagged ``solution`` are the student's notebook, and run
    alone, to the end; the solution cells then run after them in the same
    namespace. Since no untagged code cell follows a solution cell
    (``test_teaching_notebook_has_objectives_steps_exercise_and_solutions``),
    that second part is the full notebook run in its own order.
    """
    monkeypatch.setenv("OUTLOOK_NOTEBOOK_SAMPLES", "5000")
    monkeypatch.chdir(path.parent)
    nb = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert cells, "a notebook with no code"
    stripped = [c for c in cells if "solution" not in _tags(c)]
    solutions = [c for c in cells if "solution" in _tags(c)]
    for cell in [*stripped, *solutions]:
        name = f"{path.name}[{cell.get('id', cells.index(cell))}]"
        exec(compile(_source(cell), name, "exec"), namespace)
    assert os.environ["OUTLOOK_NOTEBOOK_SAMPLES"] == "5000"


def test_there_are_nine_teaching_notebooks() -> None:
    """notebooks/ holds the nine teaching notebooks the README lists, numbered 01 to 09."""
    assert [p.name[:2] for p in TEACHING] == [f"{i:02d}" for i in range(1, 10)]
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    teaching = readme[readme.index("## Teaching") :]
    for p in TEACHING:
        assert f"notebooks/{p.name}" in teaching, p.name


@pytest.mark.parametrize("path", TEACHING, ids=[p.stem for p in TEACHING])
def test_teaching_notebook_has_objectives_steps_exercise_and_solutions(path: Path) -> None:
    """A teaching notebook: learning objectives, steps, an exercise, then solution cells tagged ``solution``.

    The exercise is a markdown cell tagged ``exercise`` headed "Exercise" and a
    code cell tagged ``exercise`` for the student's answer; every solution cell
    comes after the exercise, and no untagged code cell after a solution, so
    stripping the solutions leaves the notebook whole up to and including the
    exercise. The sample count comes from ``OUTLOOK_NOTEBOOK_SAMPLES``, and
    figures come from outlook.plots, never pyplot.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    md = [_source(c) for c in cells if c["cell_type"] == "markdown"]
    objectives = [m for m in md if m.startswith("## Learning objectives")]
    assert len(objectives) == 1
    assert len(re.findall(r"^\d\. ", objectives[0], flags=re.M)) >= 3
    assert len([m for m in md if m.startswith("## Step ")]) >= 2
    exercise = [i for i, c in enumerate(cells) if "exercise" in _tags(c)]
    assert [cells[i]["cell_type"] for i in exercise] == ["markdown", "code"]
    assert _source(cells[exercise[0]]).startswith("## Exercise")
    solution = [i for i, c in enumerate(cells) if "solution" in _tags(c)]
    assert {"markdown", "code"} <= {cells[i]["cell_type"] for i in solution}
    assert min(solution) > max(exercise)
    after = [c for c in cells[min(solution) :] if c["cell_type"] == "code" and "solution" not in _tags(c)]
    assert not after, [c.get("id") for c in after]
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    assert 'os.environ.get("OUTLOOK_NOTEBOOK_SAMPLES"' in code
    assert "pyplot" not in code
    assert "%matplotlib" not in code


@pytest.mark.parametrize("path", TEACHING, ids=[p.stem for p in TEACHING])
def test_teaching_notebook_strips_its_solutions_with_nbconvert(path: Path) -> None:
    """nbconvert's TagRemovePreprocessor (as the README's command runs it) drops the solutions and keeps the exercise."""
    nbformat = pytest.importorskip("nbformat")
    preprocessors = pytest.importorskip("nbconvert.preprocessors")
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    before = len(nb.cells)
    strip = preprocessors.TagRemovePreprocessor(remove_cell_tags=["solution"], enabled=True)
    student, _ = strip.preprocess(nb, {})  # as --TagRemovePreprocessor.enabled=True does
    assert not [c for c in student.cells if "solution" in c.metadata.get("tags", [])]
    assert [c.cell_type for c in student.cells if "exercise" in c.metadata.get("tags", [])] == ["markdown", "code"]
    assert len(student.cells) < before


@pytest.mark.parametrize("path", TEACHING, ids=[p.stem for p in TEACHING])
def test_teaching_notebook_is_stored_executed(path: Path) -> None:
    """A teaching notebook is stored with its outputs, run top to bottom: readable on the web, figures and all."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("<table" in "".join(o.get("data", {}).get("text/html", "")) for o in outputs)


def test_there_is_a_notebook() -> None:
    """The notebooks folder is not empty."""
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_valid_nbformat_with_cell_ids(path: Path) -> None:
    """Every cell has a unique id (nbformat 4.5), so nbformat validates the file without a warning."""
    nbformat = pytest.importorskip("nbformat")
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5)
    ids = [c.get("id") for c in nb["cells"]]
    assert None not in ids
    assert len(set(ids)) == len(ids)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


def _outputs(cell: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in cell.get("outputs", []) if o["output_type"] in ("display_data", "execute_result")]


def _execute(path: Path, work: Path) -> Any:
    """A notebook executed by nbconvert in a fresh Jupyter kernel (with a small sample count), in ``work``."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    execute = pytest.importorskip("nbconvert.preprocessors")
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    # the kernel inherits this environment: this checkout's outlook, few samples, a working folder for any files
    root = str(Path(__file__).parents[1])
    env = {
        "OUTLOOK_NOTEBOOK_SAMPLES": "5000",
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        ep = execute.ExecutePreprocessor(timeout=600, kernel_name="python3")
        ep.preprocess(nb, {"metadata": {"path": str(work)}})
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


@pytest.fixture(scope="module")
def executed_quickstart(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The quickstart, executed by nbconvert in a fresh Jupyter kernel (with a small sample count)."""
    return _execute(QUICKSTART, tmp_path_factory.mktemp("quickstart"))


@pytest.mark.parametrize("path", TEACHING, ids=[p.stem for p in TEACHING])
def test_executed_teaching_notebook_shows_figures_and_tables(path: Path, tmp_path: Path) -> None:
    """Executed with nbconvert, solutions included: no error, a picture from every cell that calls ``plots.``, HTML tables."""
    nb = _execute(path, tmp_path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [c.id for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    plotting = [c for c in code if "plots." in c.source]
    assert plotting
    for cell in plotting:
        outs = _outputs(cell)
        assert any(m in o.get("data", {}) for o in outs for m in IMAGES), (cell.id, outs)
    tables = [c.id for c in code if any("<table" in o.get("data", {}).get("text/html", "") for o in _outputs(c))]
    assert len(tables) >= 2, tables


def test_executed_quickstart_shows_its_figures(executed_quickstart: Any) -> None:
    """Executed with nbconvert, every cell that calls ``plots.`` shows a picture: no magic line, no pyplot."""
    code = [c for c in executed_quickstart.cells if c.cell_type == "code"]
    plotting = [c for c in code if "plots." in c.source]
    assert len(plotting) >= 2
    for cell in plotting:
        outs = _outputs(cell)
        assert any(m in o.get("data", {}) for o in outs for m in IMAGES), (cell.id, outs)
        png = next(o["data"]["image/png"] for o in outs if "image/png" in o.get("data", {}))
        assert png.startswith("iVBORw0KGgo")  # base64 of the PNG signature
    assert not any(o["output_type"] == "error" for c in code for o in c.get("outputs", []))
    assert "%matplotlib" not in "".join(c.source for c in code)
    assert "pyplot" not in "".join(c.source for c in code)


def test_figures_display_through_ipython_without_pyplot() -> None:
    """IPython's own display formatter gives an outlook figure a PNG (its bytes) and never imports pyplot.

    In a fresh interpreter, as a kernel starts: a formatter for ``Figure`` is
    only registered once pyplot is imported, so the figure must show itself.
    """
    pytest.importorskip("IPython")
    code = textwrap.dedent(
        """
        import sys
        from IPython.core.formatters import DisplayFormatter
        from matplotlib.figure import Figure
        import outlook
        from outlook import plots
        s = outlook.Scenario.from_yaml('''
        outlook: 1
        id: demo
        title: Demo
        question: Does it happen?
        as_of: 2024-01-01
        horizons: {soon: {until: 1y}}
        drivers: {r: {range: [0.1, 0.3], shape: lognormal}}
        events: {it: {rate: r}}
        scenarios: {happens: it, not_yet: otherwise}
        ''')
        fig = plots.scenario_probabilities(outlook.run_outlook(s, samples=2000, seed=1))
        data, _ = DisplayFormatter().format(fig)
        assert isinstance(fig, Figure)
        assert data["image/png"] == plots.figure_bytes(fig, "png"), "the PNG is the figure's bytes"
        assert data["text/plain"].startswith("<OutlookFigure size"), data["text/plain"]
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
        print("ok")
        """
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH")])),
    }
    env.pop("MPLBACKEND", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_every_figure_is_a_figure_that_shows_itself() -> None:
    """Every figure of a run is a real matplotlib Figure whose PNG for display is its figure_bytes."""
    import outlook
    from outlook import plots
    from outlook.testing import tiny_scenario

    s = tiny_scenario(drivers={"r": {"range": [0.1, 0.3], "shape": "lognormal"}}, events={"it": {"rate": "r"}})
    figs = plots.figures(outlook.run_outlook(s, samples=2000, seed=1), samples=300)
    from matplotlib.figure import Figure

    for name, fig in figs.items():
        assert isinstance(fig, Figure), name
        assert isinstance(fig, plots.OutlookFigure), name
        assert fig._repr_png_() == plots.figure_bytes(fig), name


def test_executed_quickstart_shows_the_tables_as_html(executed_quickstart: Any) -> None:
    """The cell whose value is the tables shows their HTML summary (the grid with words), not 36,000 characters."""
    cell = next(c for c in executed_quickstart.cells if c.get("id") == "tables-summary")
    data = _outputs(cell)[0]["data"]
    assert data["text/html"].startswith("<div class='outlook-repr'")
    assert data["text/plain"].startswith("<Tables nk-troops-russia:")
    assert len(data["text/plain"]) < 200
