"""The report: self-contained HTML that renders in headless Chromium with the network unused."""

import base64
import hashlib
import re
import shutil
import subprocess

import pytest

from securityroof.model.scenario import load_scenario
from securityroof.present.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    steps = []
    page = write_report(
        [load_scenario("example-shared")], out, speeds_km_s=(5.0, 7.0), delays_s=(0.0, 300.0), progress=steps.append
    )
    return page, steps


def test_report_is_self_contained(report):
    page, steps = report
    text = page.read_text()
    assert steps[-1] == "writing the page" and len(steps) == 6
    for section in ("Architectures", "Engagements", "Deterrence check", "Assumptions", "Sources"):
        assert section in text
    assert 'src="data:image/png;base64,' in text
    external = re.findall(r'(?:src|href)="(https?:[^"]*)"', text)
    assert external == []  # nothing the page would fetch
    assert "default-src 'none'" in text  # and the browser is told to fetch nothing
    assert (page.parent / "map-example-shared.svg").exists()
    assert (page.parent / "footprint-example-shared.parquet").exists()


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


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(report, tmp_path):
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
    shot = tmp_path / "page.png"
    profile = f"--user-data-dir={tmp_path / 'profile2'}"
    subprocess.run(
        [CHROMIUM, *FLAGS, profile, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert shot.exists() and shot.stat().st_size > 50_000
