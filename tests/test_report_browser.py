"""The HTML report in a real browser: headless Chromium renders it from disk.

Checks what a reader would notice: the page renders (a screenshot that is not
blank), every figure loads (each ``<img>`` complete with a natural width), and
the console stays silent (no errors, no blocked loads). Skipped, with the
reason, only where no Chromium is installed; ``.ci/run`` installs Debian's
``chromium`` so that CI runs it.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

import outlook
from outlook.report import write_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = next((found for name in BROWSERS if (found := shutil.which(name))), None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on PATH (looked for chromium, chromium-browser, google-chrome); "
    "install Debian's chromium package (.ci/run does) to render the HTML report",
)

TIMEOUT = 60
WIDTH, HEIGHT = 1280, 3000

#: Records failed loads, CSP violations and broken images into the page, for --dump-dom.
PROBE = """<script>
(() => {
  const problems = [];
  window.addEventListener("error", (e) => {
    const t = e.target;
    problems.push(t && t.tagName ? "failed to load " + t.tagName + " " + (t.src || t.href || "") : "error " + e.message);
  }, true);
  document.addEventListener("securitypolicyviolation", (e) => problems.push("blocked " + e.blockedURI));
  window.addEventListener("load", () => {
    const images = Array.from(document.images).map((img) => ({
      alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
    }));
    const out = document.createElement("pre");
    out.id = "outlook-probe";
    const headings = Array.from(document.querySelectorAll("h2")).map((h) => ({
      text: h.textContent.trim(), id: h.id, shown: h.getBoundingClientRect().height > 0,
    }));
    const tables = Array.from(document.querySelectorAll("table[id]")).map((t) => ({
      id: t.id, rows: t.tBodies.length ? Array.from(t.tBodies[0].rows).filter((r) => !r.classList.contains("detail")).length : 0, shown: t.getBoundingClientRect().height > 0,
    }));
    out.textContent = JSON.stringify({problems, images, headings, tables, title: document.title});
    document.body.appendChild(out);
  });
})();
</script>"""


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium, safe as root and quiet on a closed network, with a timeout."""
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def console_lines(stderr: str) -> list[str]:
    """Chromium's log lines for messages the page wrote to its console."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def probe(page: Path, tmp_path: Path) -> dict[str, object]:
    """Load ``page`` with the probe script added; return what the probe saw."""
    text = page.read_text(encoding="utf-8")
    relaxed = text.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
    assert relaxed != text, "the report lost its Content-Security-Policy"
    copy = tmp_path / f"probe-{page.name}"
    copy.write_text(relaxed.replace("</head>", PROBE + "\n</head>", 1), encoding="utf-8")
    done = chromium("--dump-dom", "--virtual-time-budget=5000", copy.as_uri(), profile=tmp_path / "profile-probe")
    assert 0 == done.returncode, done.stderr[-2000:]
    m = re.search(r'<pre id="outlook-probe">(.*?)</pre>', done.stdout, flags=re.DOTALL)
    assert m, "the probe did not run: " + done.stdout[-500:]
    result: dict[str, object] = json.loads(html.unescape(m.group(1)))
    return result


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = outlook.run_outlook("nk-troops-russia", samples=20_000, seed=1)
    return write_report(tables, tmp_path_factory.mktemp("browser") / "report.html")


def test_report_renders_with_a_silent_console(report: Path, tmp_path: Path) -> None:
    """A screenshot of the report is a full-size, non-blank PNG, and the console logs nothing."""
    shot = tmp_path / "report.png"
    done = chromium(
        f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", report.as_uri(), profile=tmp_path / "profile"
    )
    assert 0 == done.returncode, done.stderr[-2000:]
    assert [] == console_lines(done.stderr)
    data = shot.read_bytes()
    assert (WIDTH, HEIGHT) == png_size(data)
    assert len(data) > 100_000  # a blank or nearly blank page compresses to a few kilobytes
    from matplotlib.image import imread

    pixels = imread(str(shot))
    ink = (pixels[..., :3].mean(axis=2) < 0.5).mean()
    assert 0.01 < ink < 0.5, ink  # text and figures, not an empty or black page


def test_every_figure_loads(report: Path, tmp_path: Path) -> None:
    """In the page every figure has loaded (complete, natural width > 0), and nothing failed or was blocked."""
    seen = probe(report, tmp_path)
    assert [] == seen["problems"]
    images = seen["images"]
    assert isinstance(images, list)
    assert [
        "Scenario probabilities by horizon",
        "Cumulative event probabilities over time",
        "Driver distributions",
        "Derived quantity distributions",
        "What each driver explains alone",
        "Key judgements if an assumption is false",
        "Indicator board",
        "ACH matrix",
        "Alternative futures",
        "Cone of plausibility",
    ] == [i["alt"] for i in images]
    for image in images:
        assert image["complete"], image
        assert image["width"] > 300, image
        assert image["height"] > 200, image
    assert "North Korean troops in Russia's war against Ukraine" == seen["title"]


def test_every_section_is_rendered_and_visible(report: Path, tmp_path: Path) -> None:
    """Each section a finished product needs is on the page, laid out with a height, in the reader's order.

    ICD 203's standards, section by section (issue 14): key judgements first,
    facts apart from judgements, what drives the outlook, key assumptions,
    analytic confidence, indicators, competing hypotheses, the graded sources
    and the methods; each table that carries them has rows (a row's detail row,
    the source's publisher, file and note, is not counted).
    """
    seen = probe(report, tmp_path)
    headings = seen["headings"]
    assert isinstance(headings, list)
    assert all(h["shown"] for h in headings), [h for h in headings if not h["shown"]]
    names = [h["text"] for h in headings]
    assert names[0] == "Key judgements"
    for name in (
        "Facts and judgements",
        "Scenarios by horizon",
        "Events by horizon",
        "What drives the outlook",
        "Key assumptions",
        "Analytic confidence",
        "Indicators to watch",
        "Competing hypotheses",
        "Sources",
        "Methods",
    ):
        assert name in names, (name, names)
    assert names.index("Facts and judgements") < names.index("Scenarios by horizon") < names.index("Sources")
    tables = {t["id"]: t for t in seen["tables"]}  # type: ignore[attr-defined]
    for table in ("scenario-table", "event-table", "driver-table", "source-table"):
        assert tables[table]["shown"], table
        assert tables[table]["rows"] > 0, table
    assert tables["source-table"]["rows"] == len(
        outlook.load_scenario(outlook.find_scenario("nk-troops-russia")).sources
    )


def test_the_checks_catch_a_broken_page(report: Path, tmp_path: Path) -> None:
    """Control: a copy with a broken image and a remote image fails both checks."""
    text = report.read_text(encoding="utf-8")
    bad = tmp_path / "bad.html"
    bad.write_text(
        text.replace(
            "</body>",
            '<img src="data:image/png;base64,AAAA" alt="broken"><img src="https://example.invalid/x.png" alt="remote">'
            "</body>",
        ),
        encoding="utf-8",
    )
    done = chromium(
        "--screenshot=" + str(tmp_path / "bad.png"), "--window-size=800,600", bad.as_uri(), profile=tmp_path / "p"
    )
    assert 0 == done.returncode, done.stderr[-2000:]
    assert any("example.invalid" in line for line in console_lines(done.stderr))
    seen = probe(bad, tmp_path)
    images = {i["alt"]: i for i in seen["images"]}  # type: ignore[attr-defined]
    assert 0 == images["broken"]["width"]
    assert 0 == images["remote"]["width"]
    assert seen["problems"]


#: Records where the browser draws each character of a phrase in the first key judgement, left to right.
ORDER_PROBE = """<script>
window.addEventListener("load", () => {
  const phrase = " is the leading scenario of the two: it is ";
  const li = document.querySelector("ul.judgements li");
  const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
  let lefts = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    lefts = [];
    for (let i = at; i < at + phrase.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width > 0) lefts.push(r.left);
    }
  }
  const out = document.createElement("pre");
  out.id = "outlook-probe";
  out.textContent = JSON.stringify({lefts, text: li.textContent});
  document.body.appendChild(out);
});
</script>"""

REVERSING = """outlook: 1
id: rlo
title: Override
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}}
drivers: {r: {range: [0.01, 0.03], shape: lognormal}}
events: {it: {rate: r}}
scenarios: {happens: it, not_yet: {when: otherwise, label: "Not yet \\u202e (reversed?)"}}
"""


def test_a_right_to_left_override_in_a_label_does_not_reverse_what_follows(tmp_path: Path) -> None:
    """A label holding an unbalanced U+202E: the sentence after it is still drawn left to right.

    The first key judgement names the label and goes on " is the leading
    scenario of the two: it is"; in the browser each character of that phrase
    must lie to the right of the one before.
    """
    tables = outlook.run_outlook(outlook.Scenario.from_yaml(REVERSING), samples=2_000, seed=1)
    page = write_report(tables, tmp_path / "rlo.html", figures=False)
    text = page.read_text(encoding="utf-8")
    relaxed = text.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
    copy = tmp_path / "probe-rlo.html"
    copy.write_text(relaxed.replace("</head>", ORDER_PROBE + "\n</head>", 1), encoding="utf-8")
    done = chromium("--dump-dom", "--virtual-time-budget=5000", copy.as_uri(), profile=tmp_path / "profile-rlo")
    assert 0 == done.returncode, done.stderr[-2000:]
    m = re.search(r'<pre id="outlook-probe">(.*?)</pre>', done.stdout, flags=re.DOTALL)
    assert m, "the probe did not run: " + done.stdout[-500:]
    seen = json.loads(html.unescape(m.group(1)))
    assert "Not yet  (reversed?)" in seen["text"]
    lefts = seen["lefts"]
    assert lefts is not None
    assert len(lefts) > 30
    assert all(a < b for a, b in itertools.pairwise(lefts)), lefts
