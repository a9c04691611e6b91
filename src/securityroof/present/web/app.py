"""The workbench's web face (``roof serve``): the page in ``static/`` and a JSON API over
:mod:`securityroof.analysis.workbench`. It parses, calls and renders; the work is below.

Robustness, as the page may send anything:

- every request body is read in chunks up to a limit (413 beyond it, as soon as the limit or a
  ``Content-Length`` past it is seen: a 50 MB upload is never held whole), JSON that does not parse
  is a 400, a value the analyses refuse a 422 ``{"error": {"field", "reason"}}`` with the command
  line's message and a ``field`` that is a dotted path into the state; nothing answers with a traceback;
- uploaded scenarios are text in memory, never written to a file (:func:`~securityroof.analysis.workbench.upload`);
- computations run one at a time in a worker thread. The page aborts a request a newer change
  supersedes; a request whose client has gone by the time its turn comes is dropped unrun, so a
  burst of slider moves costs the one running and the latest;
- every response carries a strict Content-Security-Policy: the page, its scripts and MapLibre's
  workers come from this server only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from securityroof.analysis import workbench, workbench_recall
from securityroof.analysis.defaults import REPORT_UNCERTAINTY_VARIANTS
from securityroof.analysis.geometry import world_geojson
from securityroof.errors import RoofError
from securityroof.model.catalog import load_catalog

#: The Content-Security-Policy of every response: MapLibre needs blob: workers and inline styles.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; worker-src blob:; child-src blob:; "
    "style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
#: The most bytes of a JSON request (a state with a few hundred added assets is well under).
MAX_JSON_BYTES = 1_000_000
#: Status of a request dropped because its client went away before its turn (nginx's convention).
CLIENT_GONE = 499
SHARING_POLICIES = ["none", "within-party", "all", "pairs"]
#: The architecture the page starts with unless ``roof serve`` names one.
DEFAULT_BASE = "epaa-phase-3"

log = logging.getLogger("securityroof.web")


class TooLarge(Exception):
    pass


class BadRequest(Exception):
    pass


def static_folder() -> Path:
    return Path(str(resources.files("securityroof") / "present" / "web" / "static"))


def _error(status: int, reason: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"field": field, "reason": reason}}, status_code=status)


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, read in chunks and refused (:class:`TooLarge`) past ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _json(request: Request) -> dict:
    raw = await _body(request, MAX_JSON_BYTES)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"malformed JSON: {error}".splitlines()[0]) from None
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object")
    return body


def _state(body: dict, key: str = "state") -> workbench.State:
    if key not in body:
        raise RoofError(f"{key}: missing", field=key, reason="missing")
    return workbench.parse_state(body[key])


def create_app(preload: Sequence[str] = (), static_dir: Path | None = None) -> FastAPI:
    """The workbench app. ``preload``: scenarios the page offers first (library names, or files the
    command line named: read here, once, as ``roof serve`` was asked to); ``static_dir``: the page
    (default: the package's)."""
    static = static_dir or static_folder()
    preloaded = [_preload(item) for item in preload]
    initial = {"base": preloaded[0]["base"] if preloaded else DEFAULT_BASE}
    compute_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        # the page's first question is the initial state: answered from an earlier run's answer
        # before the first request, and computed (again) while the browser opens
        first = workbench.parse_state(initial)  # a library name or a preloaded upload: valid
        with contextlib.suppress(RoofError):
            workbench_recall.recall(first)

        async def warm() -> None:
            async with compute_lock:
                with contextlib.suppress(RoofError):
                    await run_in_threadpool(workbench_recall.warm, first)

        task = asyncio.create_task(warm())
        yield
        task.cancel()

    app = FastAPI(title="securityroof workbench", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(RoofError)
    async def roof_error(request: Request, error: RoofError):
        return _error(422, error.reason, error.field)

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, error: TooLarge):
        return _error(413, "the request is too large")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, error: BadRequest):
        return _error(400, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception):
        log.exception("workbench request %s failed", request.url.path)
        return _error(500, f"internal error ({type(error).__name__}); the server's log has the details")

    async def compute(request: Request, work: Callable[[], Any]) -> Any:
        """``work`` in a worker thread, one computation at a time; None when the client left first."""
        async with compute_lock:
            if await request.is_disconnected():
                return None
            return await run_in_threadpool(work)

    def answer(result: Any) -> Response:
        return Response(status_code=CLIENT_GONE) if result is None else JSONResponse(result)

    @app.get("/")
    async def index():
        page = static / "index.html"
        if not page.is_file():
            return _error(404, f"the workbench page is not installed ({page} is missing)")
        return FileResponse(page, media_type="text/html")

    @app.get("/api/library")
    async def library_list():
        return {
            "architectures": await run_in_threadpool(workbench.library_architectures),
            "sharing_policies": SHARING_POLICIES,
            "preload": preloaded,
            "initial": initial,
        }

    @app.get("/api/catalog")
    async def catalog():
        entries = load_catalog().entries
        return {kind: [entry.model_dump() for entry in by_name.values()] for kind, by_name in entries.items()}

    @app.get("/api/world")
    async def world():
        return JSONResponse(await run_in_threadpool(world_geojson), headers={"Cache-Control": "max-age=86400"})

    @app.post("/api/evaluate")
    async def evaluate(request: Request):
        state = _state(await _json(request))
        kept = workbench.EVALUATIONS.get(state.key())
        if kept is not None:  # answered already: no need to wait for a computation to finish
            return answer(_timed(lambda: kept)())
        return answer(await compute(request, _timed(lambda: workbench.evaluate(state))))

    @app.post("/api/compare")
    async def compare(request: Request):
        body = await _json(request)
        a, b = _state(body, "a"), _state(body, "b")
        return answer(await compute(request, lambda: workbench.compare_states(a, b)))

    @app.post("/api/deterrence")
    async def deterrence(request: Request):
        body = await _json(request)
        state = _state(body)
        grid = {
            key: body.get(key, default)
            for key, default in (
                ("speeds_km_s", workbench.DETERRENCE_SPEEDS_KM_S),
                ("delays_s", workbench.DETERRENCE_DELAYS_S),
            )
        }
        for key, values in grid.items():
            if not isinstance(values, list | tuple):
                raise RoofError(f"{key}: expected a list of numbers", field=key, reason="expected a list of numbers")
        return answer(await compute(request, lambda: workbench.state_deterrence(state, **grid)))

    @app.post("/api/robustness")
    async def robustness(request: Request):
        body = await _json(request)
        state = _state(body)
        n = body.get("n", REPORT_UNCERTAINTY_VARIANTS)
        return answer(await compute(request, lambda: workbench.state_robustness(state, n)))

    async def download(request: Request, make, media_type: str, suffix: str) -> Response:
        """A file made from the request's state by ``make(state) -> (name, content)``, as an attachment."""
        state = _state(await _json(request))
        found = await compute(request, lambda: make(state))
        if found is None:
            return Response(status_code=CLIENT_GONE)
        name, content = found
        return Response(
            content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}{suffix}"'}
        )

    @app.post("/api/scenario")
    async def scenario(request: Request):
        return await download(request, workbench.scenario_text, "application/toml", ".toml")

    @app.post("/api/report")
    async def report(request: Request):
        return await download(request, _report, "text/html", "-report.html")

    @app.post("/api/upload")
    async def upload(request: Request):
        raw = await _body(request, workbench.MAX_UPLOAD_BYTES + 64 * 1024)
        text = _upload_text(raw, request.headers.get("content-type", ""))
        return await run_in_threadpool(workbench.upload, text)

    app.mount("/static", StaticFiles(directory=static, check_dir=False), name="static")
    return app


def _timed(work: Callable[[], dict]) -> Callable[[], dict]:
    """``work`` with its wall time added as ``elapsed_ms`` (to a copy: the result may be cached)."""

    def run() -> dict:
        started = time.perf_counter()
        result = work()
        return {**result, "elapsed_ms": (time.perf_counter() - started) * 1e3}

    return run


def _upload_text(raw: bytes, content_type: str) -> str:
    """The scenario text of an upload: the body itself, or the file of a multipart form."""
    if content_type.startswith("multipart/form-data"):
        raw = _multipart_file(raw, content_type)
    if len(raw) > workbench.MAX_UPLOAD_BYTES:
        raise TooLarge
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RoofError("upload: not UTF-8 text", field="upload", reason="not UTF-8 text") from None


def _multipart_file(raw: bytes, content_type: str) -> bytes:
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    for part in message.iter_parts() if message.is_multipart() else []:
        if part.get_filename() is not None or part.get_param("name", header="content-disposition") == "file":
            return part.get_payload(decode=True) or b""
    raise BadRequest("multipart upload without a file part")


def _preload(item: str) -> dict:
    """A scenario named on ``roof serve``'s command line: a library name stays a name, a file is read
    (by the command line's say-so, never the page's) and kept as an upload."""
    names = {entry["name"] for entry in workbench.library_architectures()}
    if item in names:
        return {"base": item, "name": item}
    path = Path(item)
    if not path.is_file():
        raise RoofError(f"scenario: {item}: not a file and not a library scenario", field="scenario",
                        reason=f"{item}: not a file and not a library scenario")  # fmt: skip
    kept = workbench.upload(path.read_text(encoding="utf-8-sig"))
    return {"base": f"{workbench.UPLOAD_PREFIX}{kept['id']}", "name": kept["name"]}


def _report(state: workbench.State) -> tuple[str, bytes]:
    """The report page of a state's architecture, its images embedded: written to a temporary folder
    (the report writer writes files) and read back; the folder is removed. As `roof report`'s, it
    says how sure each finding is, by a robustness run of the default count on one pool of workers."""
    from securityroof.analysis.robustness import robustness
    from securityroof.physics import kernels
    from securityroof.present.report import write_report

    _, scenario = workbench.state_scenario(state)
    with tempfile.TemporaryDirectory(prefix="roof-report-") as folder, kernels.process_pool(None) as pool:

        def robust(kind, scenarios, findings):
            return robustness(kind, scenarios, REPORT_UNCERTAINTY_VARIANTS, findings=findings, executor=pool)

        page = write_report([scenario], Path(folder), threat=state.footprint_threat, uncertainty=robust)
        return scenario.name, page.read_bytes()
