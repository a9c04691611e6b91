"""The report: self-contained HTML that renders in headless Chromium with the network unused, reads
at 1,400 px and at 400 px, and whose tables sort and filter."""

import base64
import datetime
import hashlib
import html
import json
import os
import re
import select
import shutil
import subprocess
import time

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from securityroof.analysis.compare import compare
from securityroof.analysis.deterrence import deterrence
from securityroof.analysis.engage import engage
from securityroof.analysis.provenance import scenario_digest
from securityroof.model.scenario import load_scenario
from securityroof.present.cli import app
from securityroof.present.report import _direction_grids, _findings, citation, threat_set_explained, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
NAMES = ("example-shared", "example-within-party")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def scenarios():
    return [load_scenario(name) for name in NAMES]


@pytest.fixture(scope="module")
def comparison(scenarios):
    return compare(scenarios)


@pytest.fixture(scope="module")
def report(tmp_path_factory, scenarios):
    out = tmp_path_factory.mktemp("report")
    steps = []
    page = write_report(scenarios, out, speeds_km_s=(5.0, 7.0), delays_s=(0.0, 300.0), progress=steps.append)
    return page, steps


def test_report_is_self_contained(report):
    page, steps = report
    text = page.read_text()
    assert steps[-1] == "writing the page" and len(steps) == 2 + 3 * len(NAMES) + 1
    for section in ("Findings", "Architectures", "Maps", "Cities", "Engagements", "Deterrence check", "Assumptions",
                    "Sources", "Cite"):  # fmt: skip
        assert re.search(rf"<h[23]>{section}\b", text), section
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert text.count('src="data:image/png;base64,') == len(NAMES)
    external = re.findall(r'(?:src|href)="(https?:[^"]*)"', text)
    assert external == []  # nothing the page would fetch
    assert "default-src 'none'" in text  # and the browser is told to fetch nothing
    for name in NAMES:
        assert (page.parent / f"map-{name}.svg").exists()
        assert (page.parent / f"footprint-{name}.parquet").exists()


def test_the_csp_allows_exactly_the_inline_script_and_style_by_hash(report):
    text = report[0].read_text()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text).group(1)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "unsafe-inline" not in csp
    assert directives["default-src"] == "'none'" and directives["img-src"] == "data:"
    assert directives["form-action"] == "'none'" and directives["base-uri"] == "'none'"
    for element in ("script", "style"):
        inline = re.findall(rf"<{element}>(.*?)</{element}>", text, re.S)
        assert len(inline) == 1 and inline[0].strip()
        digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
        assert directives[f"{element}-src"] == f"'sha256-{digest}'"
    # a hash covers <script> and <style> elements only: an attribute would need 'unsafe-hashes'
    assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", text)


def test_the_grids_carry_what_roof_footprint_out_writes_and_where_they_came_from(report, scenarios, tmp_path):
    page, _ = report
    scenario = scenarios[0]
    alone = tmp_path / "alone.parquet"
    result = CliRunner().invoke(app, ["footprint", scenario.name, "--threat", "iran-irbm", "--out", str(alone)])
    assert result.exit_code == 0, result.output
    cli = pq.read_schema(alone).metadata
    grid = pq.read_schema(page.parent / f"footprint-{scenario.name}.parquet").metadata
    assert cli == grid  # the same metadata, version and digests included
    assert grid[b"scenario_sha256"].decode() == scenario_digest(scenario)
    assert re.fullmatch(rb"[0-9a-f]{64}", grid[b"catalog_sha256"])


def test_the_citation_names_version_scenarios_catalog_and_day(report, scenarios):
    from securityroof import __version__

    text = report[0].read_text()
    named = ", ".join(f"{s.name} \\(sha256 {scenario_digest(s)[:12]}\\)" for s in scenarios)
    line = (
        rf"securityroof v{re.escape(__version__)}, scenarios {named}, catalog sha256 [0-9a-f]{{12}}, \d{{4}}-\d\d-\d\d"
    )
    assert len(re.findall(line, text)) == 2  # under the title and at the end


def test_a_citation_says_when_a_scenario_has_no_digest():
    record = {
        "version": "1.2.3",
        "scenarios": [{"name": "a", "sha256": "0123456789abcdef" * 4}, {"name": "b", "sha256": None}],
        "catalog_sha256": "fedcba9876543210" * 4,
    }
    assert citation(record, datetime.date(2026, 1, 2)) == (
        "securityroof v1.2.3, scenarios a (sha256 0123456789ab), b (edited in memory: no digest), "
        "catalog sha256 fedcba987654, 2026-01-02"
    )


def test_every_count_says_what_it_counts(report, scenarios):
    text = " ".join(html.unescape(report[0].read_text()).split())
    for scenario in scenarios:
        result = engage(scenario)
        explained = threat_set_explained(scenario, result)
        total, reachable = len(scenario.threat_set), sum(result.threat_reachable.values())
        assert explained.startswith(f"{total} threat trajectories (")
        assert f"{reachable} of them can reach their aim point at all" in explained and explained in text
        sites = len(scenario.interceptor_sites)
        assert f"{total * sites:,} (trajectory, site) engagements: each of the {total:,} threat trajectories" in text
        assert f"of the other {reachable * sites:,} ({reachable:,} × {sites:,})" in text


#: How a city's status begins its cell in the city table.
STATUS_WORDS = {
    "defended": "defended",
    "threatened-undefended": "threatened, undefended",
    "out-of-range": "out of range",
}


def test_the_findings_box_holds_the_comparison_s_findings_then_each_deterrence_verdict(report, comparison, scenarios):
    text = html.unescape(report[0].read_text())
    box = text[text.index('<section class="findings"') : text.index("</section>")]
    checks = [deterrence(scenario, (5.0, 7.0), (0.0, 300.0)) for scenario in scenarios]
    verdicts = [
        f["text"] for scenario, check in zip(scenarios, checks, strict=True) for f in check.findings(scenario.name)
    ]
    assert len(verdicts) == 2 * len(scenarios)  # one per direction
    assert all(v.startswith(tuple(f"{s.name}, deterrence: " for s in scenarios)) for v in verdicts)
    assert re.findall(r"<li>(.*?)</li>", box, re.S) == [f["text"] for f in comparison.findings] + verdicts


def test_the_city_table_has_each_city_and_its_standing_in_each_architecture(report, comparison):
    text = html.unescape(report[0].read_text())
    table = text[text.index("<h2>Cities</h2>") :]
    table = table[: table.index("</table>")]
    statuses = [entry["cities"] for entry in comparison.architectures]
    rows = re.findall(r"<tr><td>(.*?)</td>(.*?)</tr>", table)
    assert sorted(label for label, _ in rows) == sorted(c["label"] for c in statuses[0])
    for label, cells in rows:
        shown = re.findall(r'<td class="([a-z-]+)">([^<]*)</td>', cells)
        expected = [next(c for c in status if c["label"] == label) for status in statuses]
        assert [css for css, _ in shown] == [c["status"] for c in expected]
        assert all(t.startswith(STATUS_WORDS[c["status"]]) for (_, t), c in zip(shown, expected, strict=True))
        for (_, t), c in zip(shown, expected, strict=True):
            assert all(name in t for name in c["undefended_classes"] + list(c["why_not"]))


def test_the_findings_box_shows_the_findings_it_is_given_escaped():
    given = {"text": "<b>Warsaw</b> is defended by one site only", "figures": {"sites": 1}, "kind": "gap"}
    box = _findings([given, {**given, "text": "a second"}])
    assert "&lt;b&gt;Warsaw&lt;/b&gt; is defended by one site only" in box and "<b>Warsaw" not in box
    assert box.count("<li>") == 2 and box.index("Warsaw") < box.index("a second")


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (no network port, no client
    library): what a reader sees at a given width, and what clicking and typing do."""

    def __init__(self, profile):
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # the browser reads commands on fd 3 and answers on fd 4; dup first, so that a pipe already
        # at 3 or 4 is not left close-on-exec by a dup2 onto itself
        self._process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False,
            preexec_fn=lambda: (os.dup2(os.dup(to_browser), 3), os.dup2(os.dup(from_browser), 4)),
        )  # fmt: skip
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._next = b"", 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def call(self, method, session=None, **params):
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                # a hung browser fails the test instead of blocking the run
                assert select.select([self._read], [], [], 120)[0], f"chromium did not answer {method}"
                chunk = os.read(self._read, 1 << 16)
                assert chunk, "chromium closed its DevTools pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return reply["result"]

    def page(self, method, **params):
        return self.call(method, self._session, **params)

    def js(self, expression):
        return self.page("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def open(self, url, width, height):
        self.page("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.page("Page.navigate", url=url)
        deadline = time.monotonic() + 60
        while self.js("document.readyState + document.body.getAttribute('data-maps-loaded')") != "completetrue":
            assert time.monotonic() < deadline, "the page did not finish loading"
            time.sleep(0.1)

    def screenshot(self, path):
        path.write_bytes(base64.b64decode(self.page("Page.captureScreenshot", format="png")["data"]))

    def close(self):
        try:
            self.call("Browser.close")
            self._process.wait(timeout=30)
        finally:
            if self._process.poll() is None:
                self._process.kill()
            os.close(self._read)
            os.close(self._write)


@pytest.fixture
def browser(tmp_path):
    opened = Browser(tmp_path / "profile")
    yield opened
    opened.close()


@needs_chromium
def test_report_renders_in_headless_chromium_under_its_csp(report, tmp_path):
    page, _ = report
    profile = f"--user-data-dir={tmp_path / 'profile'}"
    # --enable-logging copies the page's console to stderr, where a CSP violation is reported
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, profile, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert 'data-maps-loaded="true"' in dom.stdout, dom.stderr[-2000:]  # the script ran
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert not [line for line in console if "Content Security Policy" in line], console


#: Whether the page scrolls sideways, with every collapsed table open (the widest it gets).
SIDEWAYS = """(() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const wide = document.documentElement.scrollWidth > document.documentElement.clientWidth;
  document.querySelectorAll("details").forEach(d => { d.open = false; });
  return wide;
})()"""


@needs_chromium
@pytest.mark.parametrize("width", [1400, 400])
def test_the_report_reads_at_1400_and_at_400_px(report, browser, tmp_path, width):
    """Screenshots of the first screen at both widths (saved beside the test's files, to be looked
    at); no sideways scrolling; the findings in the first screen at 1,400 px."""
    import matplotlib.image as mpimg

    browser.open(report[0].as_uri(), width, 900)
    assert browser.js(SIDEWAYS) is False
    findings = browser.js("JSON.stringify(document.getElementById('findings').getBoundingClientRect())")
    if width == 1400:
        assert json.loads(findings)["bottom"] <= 900
    maps = json.loads(browser.js("JSON.stringify([...document.querySelectorAll('img.map')].map(m => m.width))"))
    assert len(maps) == len(NAMES) and all(m <= width for m in maps)
    side_by_side = browser.js("new Set([...document.querySelectorAll('img.map')].map(m => m.y)).size === 1")
    assert side_by_side is (width == 1400)
    shot = tmp_path / f"report-{width}.png"
    browser.screenshot(shot)
    assert mpimg.imread(shot).shape[:2] == (900, width)


@needs_chromium
@pytest.mark.slow
def test_the_demo_report_shows_its_findings_first_and_never_scrolls_sideways(tmp_path, browser):
    """``roof demo``'s architectures have more findings and wider tables than the small case."""
    demo = [load_scenario("epaa-phase-3"), load_scenario("joint-lisbon")]
    page = write_report(demo, tmp_path / "demo", speeds_km_s=(7.0,), delays_s=(0.0,))
    for width in (1400, 400):
        browser.open(page.as_uri(), width, 900)
        assert browser.js(SIDEWAYS) is False
        browser.screenshot(tmp_path / f"demo-{width}.png")
    browser.open(page.as_uri(), 1400, 900)
    assert browser.js("document.getElementById('findings').getBoundingClientRect().bottom") <= 900


def _visible_rows(browser, box):
    return browser.js(f"""[...document.querySelectorAll(".filterable")[{box}].querySelectorAll("tbody tr")]
        .filter(r => !r.hidden).map(r => [...r.cells].map(c => c.textContent))""")


@needs_chromium
def test_the_engagement_tables_filter_by_city_show_the_feasible_first_and_sort(report, scenarios, browser):
    browser.open(report[0].as_uri(), 1400, 900)
    scenario = scenarios[0]
    result = engage(scenario)
    aims = {t.id: t.aim for t in scenario.threat_set}
    in_range = [r for r in result.records() if result.threat_reachable[r["threat_id"]]]
    feasible = [r for r in in_range if r["feasible"]]
    assert 0 < len(feasible) < len(in_range)  # the case shows what the toggle hides
    assert len(_visible_rows(browser, 0)) == len(feasible)

    type_city = """(city => { const box = document.querySelectorAll(".filterable")[0];
        const input = box.querySelector("input.city-filter"); input.value = city;
        input.dispatchEvent(new Event("input")); return box.querySelector(".shown").textContent; })"""
    shown = browser.js(type_city + '("WARSAW")')
    at_warsaw = [r for r in feasible if aims[r["threat_id"]] == "warsaw"]
    assert shown == f"{len(at_warsaw)} of {len(in_range)} rows shown"
    assert {row[2].lower() for row in _visible_rows(browser, 0)} == {"warsaw"}
    browser.js("""(() => { const all = document.querySelectorAll(".filterable")[0].querySelector("input.show-all");
        all.click(); })()""")
    assert len(_visible_rows(browser, 0)) == sum(aims[r["threat_id"]] == "warsaw" for r in in_range)

    browser.js(type_city + '("")')
    assert len(_visible_rows(browser, 0)) == len(in_range)

    sort_by_altitude = """document.querySelectorAll(".filterable")[0].querySelectorAll("th button")[10].click()"""
    altitudes = []
    for _ in range(2):
        browser.js(sort_by_altitude)
        altitudes.append([row[10] for row in _visible_rows(browser, 0)])
    numbers = [float(a.replace(",", "")) for a in altitudes[0] if a != "—"]
    assert numbers == sorted(numbers) and len(numbers) >= 2
    descending = [float(a.replace(",", "")) for a in altitudes[1] if a != "—"]
    assert descending == sorted(numbers, reverse=True)
    assert all(a == "—" for a in altitudes[0][len(numbers) :])  # rows with no value last, either way
    assert all(a == "—" for a in altitudes[1][len(numbers) :])


@needs_chromium
def test_the_report_prints_every_table_open_and_no_controls(report, browser):
    browser.open(report[0].as_uri(), 1400, 900)

    def pages():
        pdf = base64.b64decode(browser.page("Page.printToPDF")["data"])
        return len(re.findall(rb"/Type\s*/Page\b", pdf))

    # tables of a few pages, whatever the case engages: the difference their opening makes is then whole pages
    browser.js("""document.querySelectorAll(".filterable tbody").forEach(body => {
        const rows = [...body.rows]; rows.forEach(r => { r.hidden = false; });
        for (let k = 0; k < 200; k += rows.length) rows.forEach(r => body.appendChild(r.cloneNode(true))); })""")
    printed = pages()
    assert browser.js("document.querySelectorAll('details[open]').length") == 0  # closed again after printing
    browser.page("Emulation.setEmulatedMedia", media="print")
    assert browser.js("getComputedStyle(document.querySelector('.controls')).display") == "none"
    browser.page("Emulation.setEmulatedMedia", media="")
    browser.js("document.querySelectorAll('details').forEach(d => d.remove())")
    assert printed > pages()  # the collapsed tables took pages of their own


def test_the_deterrence_grids_count_the_other_side_s_interceptors_only():
    """A party's own defence is no threat to its deterrent: Russia's S-400 engaging Russian ICBMs
    bound for North America must not swell the russia->north-america grid."""
    cell = {"burnout_speed_km_s": 5.0, "decision_delay_s": 0.0, "total_pairs": 42}
    grid = {"russia->north-america": [{**cell, "engageable_pairs": 19, "engageable_by_other_side": 16}]}
    ((direction, total, rows),) = _direction_grids(grid, [5.0], [0.0])
    assert (direction, total, rows) == ("russia->north-america", 42, [["5", 16]])
