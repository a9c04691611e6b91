"""The workbench's HTTP API (``roof serve``): every endpoint, and what it does with bad input."""

import asyncio
import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402
from starlette.requests import Request  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from securityroof.analysis import workbench  # noqa: E402
from securityroof.analysis.cache import LRU  # noqa: E402
from securityroof.analysis.compare import SCALARS, compare  # noqa: E402
from securityroof.model.scenario import load_scenario  # noqa: E402
from securityroof.present.cli import app as roof  # noqa: E402
from securityroof.present.cli.serve import is_loopback  # noqa: E402
from securityroof.present.web.app import CSP, MAX_JSON_BYTES, TooLarge, _body, create_app  # noqa: E402

BASE = "epaa-phase-3"
GABALA = {"id": "gabala-tpy", "owner": "nato", "kind": "an-tpy-2", "lat_deg": 40.87, "lon_deg": 47.8,
          "boresight_az_deg": 180.0}  # fmt: skip


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    static = tmp_path_factory.mktemp("static")
    (static / "index.html").write_text("<!doctype html><title>workbench</title>", encoding="utf-8")
    (static / "app.js").write_text("export const ok = 1;\n", encoding="utf-8")
    return static


@pytest.fixture(scope="module")
def client(page):
    with TestClient(create_app(static_dir=page)) as client:
        yield client


def evaluated(client, state) -> dict:
    response = client.post("/api/evaluate", json={"state": state})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_page_and_its_files_are_served_with_a_strict_csp_on_every_response(client):
    for response in (client.get("/"), client.get("/static/app.js"), client.get("/api/library"), client.get("/nope")):
        assert response.headers["content-security-policy"] == CSP
    assert client.get("/").text.startswith("<!doctype html>")
    assert "http" not in CSP and "'unsafe-eval'" not in CSP and "connect-src 'self'" in CSP
    assert client.get("/nope").status_code == 404 and client.get("/nope").json()["error"]["reason"]


def test_library_catalog_and_world(client):
    library = client.get("/api/library").json()
    joint = next(a for a in library["architectures"] if a["name"] == "joint-lisbon")
    assert joint["parties"] == ["nato", "russia"] and joint["description"]
    assert library["sharing_policies"] == ["none", "within-party", "all", "pairs"]
    catalog = client.get("/api/catalog").json()
    assert {"radar", "interceptor", "satellite", "missile", "city", "base"} <= set(catalog)
    sm3 = next(entry for entry in catalog["interceptor"] if entry["name"] == "sm-3-iia")
    assert sm3["burnout_speed_km_s"] > 0 and sm3["source"]
    world = client.get("/api/world").json()
    assert world["type"] == "FeatureCollection" and len(world["features"]) > 200
    rings = [ring for f in world["features"] for poly in f["geometry"]["coordinates"] for ring in poly]
    # a ring across the antimeridian (Russia's) runs on past 180° rather than jump across the map
    assert all(-90.0 <= lat <= 90.0 and -360.0 < lon < 360.0 for ring in rings for lon, lat in ring)
    assert all(-180.0 <= (min(p[0] for p in ring) + max(p[0] for p in ring)) / 2.0 <= 180.0 for ring in rings)


def test_an_architecture_as_loaded_has_the_figures_of_roof_compare_and_its_layers(client):
    result = evaluated(client, {"base": BASE})
    expected = compare([load_scenario(BASE)]).architectures[0]
    assert {k: result["figures"][k] for k in SCALARS} == {k: expected[k] for k in SCALARS}
    assert result["figures"]["without_party"] == expected["without_party"]
    assert result["changes"]["text"] == ["no change against the architecture as loaded"]
    assets = {f["properties"]["id"]: f for f in result["assets"]["features"]}
    assert set(assets) == {a.id for a in load_scenario(BASE).assets}
    assert assets["kurecik"]["properties"]["class_kind"] == "radar" and assets["sbirs"]["geometry"] is None
    assert {f["properties"]["id"] for f in result["coverage"]["features"]} >= {"kurecik"}
    assert all(
        f["geometry"]["type"] == "Polygon" for f in (*result["coverage"]["features"], *result["reach"]["features"])
    )
    tracks = [f for f in result["threats"]["features"] if f["geometry"]["type"] == "LineString"]
    assert sum(f["properties"]["engageable"] for f in tracks) == result["figures"]["threats_engageable"]
    assert result["figures"]["footprint"]["cells_threatened"] == len(result["footprint"]["features"])
    statuses = {f["properties"]["name"]: f["properties"]["status"] for f in result["cities"]["features"]}
    assert {c for c, s in statuses.items() if s == "defended"} == set(result["figures"]["cities_protected"])
    assert result["elapsed_ms"] >= 0
    # the footprint's threat choice reads as the missile class and its points, not as an id
    scenario = load_scenario(BASE)
    labels = result["scenario"]["threat_labels"]
    assert set(labels) == set(result["scenario"]["threats"]) == {t.id for t in scenario.threats}
    for threat in scenario.threats:
        assert labels[threat.id].startswith(scenario.catalog.missile(threat.missile).label)
        assert f"{len(threat.aim)} aim point" in labels[threat.id]


def test_a_what_if_says_what_changed_against_the_architecture_as_loaded(client):
    before = evaluated(client, {"base": BASE})
    state = {"base": BASE, "without": ["kurecik"], "add": [GABALA], "move": {"deveselu-sm-3-ib": [44.5, 24.5]},
             "speeds_km_s": {"sm-3-iia": 5.5}, "decision_delay_s": 30.0}  # fmt: skip
    after = evaluated(client, state)
    delta = after["figures"]["threats_engageable"] - before["figures"]["threats_engageable"]
    assert after["changes"]["threats_engageable_delta"] == delta
    gained = sorted(set(after["figures"]["cities_protected"]) - set(before["figures"]["cities_protected"]))
    assert after["changes"]["cities_gained"] == gained
    assert [f"{city} now protected" for city in gained] == [t for t in after["changes"]["text"] if "now protected" in t]
    assets = {f["properties"]["id"]: f["properties"] for f in after["assets"]["features"]}
    assert assets["kurecik"]["switched_off"] and assets["gabala-tpy"]["added"] and assets["deveselu-sm-3-ib"]["moved"]
    moved = next(f for f in after["assets"]["features"] if f["properties"]["id"] == "deveselu-sm-3-ib")
    assert moved["geometry"]["coordinates"] == [24.5, 44.5]
    # its site's radar goes with it
    assert assets["deveselu-spy-1"]["moved"] and not assets["redzikowo-spy-1"]["moved"]
    assert after["scenario"]["decision_delay_s"] == 30.0
    assert after["scenario"]["interceptor_speeds_km_s"]["sm-3-iia"] == 5.5


@pytest.mark.parametrize(
    ("state", "field", "words"),
    [
        ({"base": "epaa-phase-9"}, "base", "unknown architecture"),
        ({"base": BASE, "add": [{**GABALA, "kind": "an-tpy-3"}]}, "add[0].kind", "unknown radar"),
        ({"base": BASE, "add": [{**GABALA, "lat_deg": 95}]}, "add[0].lat_deg", "less than or equal to 90"),
        ({"base": BASE, "move": {"kurecik": [95, 37]}}, "move.kurecik", "less than or equal to 90"),
        ({"base": BASE, "move": {"gabala": [40, 47]}}, "move.gabala", "no asset"),
        ({"base": BASE, "without": ["kurecek"]}, "without[0]", "unknown asset 'kurecek'; did you mean kurecik"),
        ({"base": BASE, "speeds_km_s": {"sm-3-iia": 0.0}}, "speeds_km_s.sm-3-iia", "greater than or equal to 0.1"),
        ({"base": BASE, "speeds_km_s": {"kurecik": 5.0}}, "speeds_km_s.kurecik", "not an interceptor class"),
        ({"base": BASE, "speeds_km_s": {"sm-3-iia": "fast"}}, "speeds_km_s.sm-3-iia", "expected a number"),
        ({"base": BASE, "sharing": {"policy": "most"}}, "sharing.policy", "is not a policy"),
        ({"base": BASE, "decision_delay_s": -1}, "decision_delay_s", "greater than or equal to 0"),
        ({"base": BASE, "footprint_threat": "iran-scud"}, "footprint_threat", "not a threat"),
        ({"base": BASE, "colour": "red"}, "colour", "not a field of the state"),
        ({"without": []}, "base", "missing"),
    ],
)
def test_a_bad_value_is_a_422_naming_its_field_with_the_command_lines_reason(client, state, field, words):
    response = client.post("/api/evaluate", json={"state": state})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and words in error["reason"] and "Traceback" not in response.text


@pytest.mark.parametrize("body", [b'{"state": {"base": ', b"\xff\xfe", b"[1, 2]", b""])
def test_malformed_json_is_a_400_in_one_line(client, body):
    response = client.post("/api/evaluate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    reason = response.json()["error"]["reason"]
    assert "\n" not in reason and reason


def test_a_body_past_its_limit_is_refused_before_it_is_read_whole(client):
    response = client.post("/api/upload", content=b"#" * 50_000_000, headers={"content-type": "text/plain"})
    assert response.status_code == 413
    big_state = {"state": {"base": BASE, "without": ["x" * 1000] * (MAX_JSON_BYTES // 1000)}}
    assert client.post("/api/evaluate", json=big_state).status_code == 413

    # streamed without a length: reading stops at the first chunk past the limit
    sent = []

    async def receive():
        sent.append(1)
        return {"type": "http.request", "body": b"#" * 1_000_000, "more_body": len(sent) < 50}

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    with pytest.raises(TooLarge):
        asyncio.run(_body(request, 1_500_000))
    assert len(sent) == 2


def test_an_upload_is_checked_as_roof_validate_checks_a_file_and_becomes_a_base(client):
    text = f'extends = "{BASE}"\nname = "my-phase-3"\nremove = ["kurecik"]\n'
    response = client.post("/api/upload", content=text, headers={"content-type": "text/plain"})
    assert response.status_code == 200, response.text
    uploaded = response.json()
    assert uploaded["name"] == "my-phase-3" and len(uploaded["id"]) == 12
    result = evaluated(client, {"base": f"upload:{uploaded['id']}"})
    assert "kurecik" not in {f["properties"]["id"] for f in result["assets"]["features"]}
    form = client.post("/api/upload", files={"file": ("mine.toml", text.encode(), "application/toml")})
    assert form.status_code == 200 and form.json() == uploaded
    bad = client.post("/api/upload", content=text.replace("kurecik", "kurecek"))
    assert bad.status_code == 422 and "kurecek" in bad.json()["error"]["reason"]


@pytest.mark.parametrize("parent", ["/etc/passwd", "../scenarios/epaa-phase-3.toml", "~/.bashrc"])
def test_an_upload_cannot_make_the_server_read_a_file(client, parent):
    response = client.post("/api/upload", content=f'extends = "{parent}"\nname = "x"\n')
    assert response.status_code == 422
    assert (
        response.json()["error"]["field"] == "upload" and "library scenario only" in response.json()["error"]["reason"]
    )


def test_the_downloaded_scenario_validates_and_roof_compare_reproduces_the_figures(client, tmp_path):
    state = {"base": BASE, "without": ["kurecik"], "add": [GABALA], "speeds_km_s": {"sm-3-iia": 5.5},
             "sharing": {"policy": "all"}, "decision_delay_s": 45.0}  # fmt: skip
    response = client.post("/api/scenario", json={"state": state})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{BASE}-what-if.toml"'
    path = tmp_path / "what-if.toml"
    path.write_text(response.text, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(roof, ["validate", str(path)]).exit_code == 0
    compared = runner.invoke(roof, ["compare", str(path), "--json"])
    assert compared.exit_code == 0, compared.output
    expected = json.loads(compared.stdout)["architectures"][0]
    figures = evaluated(client, state)["figures"]
    for key in (*SCALARS, "cities_protected", "without_party", "by_party"):
        assert figures[key] == expected[key], key


def test_two_architectures_side_by_side(client):
    response = client.post("/api/compare", json={"a": {"base": BASE}, "b": {"base": "joint-lisbon"}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["a"]["name"] == BASE and result["b"]["name"] == "joint-lisbon" and result["same_threats"]
    assert {d["figure"] for d in result["differences"]} >= {"threats_engageable"}
    labels = {d["figure"]: d["label"] for d in result["differences"]}
    assert labels["earliest_intercept_alt_km_median"] == "earliest intercept altitude, median (km)"
    assert all(label and "_" not in label for label in labels.values())  # a reader's words, not keys
    assert set(result["without_party"]["b"]) == {"nato", "russia"} and result["findings"]
    assert client.post("/api/compare", json={"a": {"base": BASE}}).json()["error"]["field"] == "b"


def test_the_deterrence_panel(client):
    body = {"state": {"base": "joint-lisbon"}, "speeds_km_s": [3.0, 9.0], "delays_s": [0.0]}
    response = client.post("/api/deterrence", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["pairs"] and len(result["sensitivity"]) == 2
    assert (
        result["catalog_speeds_km_s"]["sm-3-iia"]
        == load_scenario("joint-lisbon").catalog.interceptors["sm-3-iia"].burnout_speed_km_s
    )
    bad = client.post("/api/deterrence", json={**body, "speeds_km_s": [3.0, 12.0]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "speeds_km_s[1]"


@pytest.mark.slow
def test_the_downloaded_report_is_one_page_with_its_images(client):
    response = client.post("/api/report", json={"state": {"base": "epaa-phase-1"}})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html") and "data:image/png;base64," in response.text
    # as roof report's: how sure each finding is, by default
    assert "Robustness: 100 variants (seed 0)" in response.text and 'class="robust"' in response.text


def test_hours_of_distinct_what_ifs_keep_every_cache_within_its_bound(client, monkeypatch):
    monkeypatch.setattr(workbench, "EVALUATIONS", LRU(maxsize=3))
    evaluated(client, {"base": "epaa-phase-1", "decision_delay_s": 0.0})
    flown = workbench.caches()["flown"].misses
    for delay in range(1, 8):
        evaluated(client, {"base": "epaa-phase-1", "decision_delay_s": float(delay)})
    caches = workbench.caches()
    assert len(caches["evaluations"]) == 3
    assert all(len(cache) <= cache.maxsize for cache in caches.values())
    # another decision delay flies no threat again: neither the threat set nor the footprint's probes
    assert caches["flown"].misses == flown


def test_only_this_machine_is_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_roof_serve_without_the_web_extra_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a))
    result = CliRunner().invoke(roof, ["serve", "--no-open"])
    assert result.exit_code == 2
    assert "pip install 'securityroof[web]'" in result.output and "Traceback" not in result.output


def test_roof_serve_refuses_a_scenario_it_cannot_find_in_one_line():
    result = CliRunner().invoke(roof, ["serve", "no-such-architecture", "--no-open"])
    assert result.exit_code == 2 and "no-such-architecture" in result.output and "Traceback" not in result.output


def test_robustness_of_a_state_gives_a_line_under_each_finding_it_shows(client):
    state = {"base": "epaa-phase-1", "decision_delay_s": 30.0}
    shown = evaluated(client, state)["figures"]["findings"]
    response = client.post("/api/robustness", json={"state": state, "n": 6})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["n"] == 6 and len(result["lines"]) == len(result["findings"]) == len(shown)
    assert [f["text"] for f in result["findings"]] == [f["text"] for f in shown]
    assert all(line.startswith("Holds in ") for line in result["lines"])
    assert result["varied"].startswith("Varied (Latin hypercube): ") and result["failed_line"] is None
    # the same state again is the run kept, not another
    assert client.post("/api/robustness", json={"state": state, "n": 6}).json() == result


@pytest.mark.parametrize("n", [0, 1001, 2.5, "100", True])
def test_a_bad_robustness_count_is_named(client, n):
    response = client.post("/api/robustness", json={"state": {"base": "epaa-phase-1"}, "n": n})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "n"
    assert response.json()["error"]["reason"].startswith("expected a whole number of variants from 1 to 1,000")
