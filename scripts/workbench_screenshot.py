"""Write docs/images/workbench.png, the README's picture of the workbench (``roof serve``).

    PYTHONPATH=src python scripts/workbench_screenshot.py [OUT.png]

Starts the workbench's app on a free port of 127.0.0.1, opens it in Debian's Chromium (Playwright)
on a what-if (joint-lisbon with Kürecik switched off and a NATO radar added at Gabala), and saves
the page as a 256-colour PNG so that the README's picture stays small.
"""

import base64
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from PIL import Image
from playwright.sync_api import sync_playwright

from securityroof.present.web.app import create_app

STATE = {
    "base": "joint-lisbon",
    "without": ["kurecik"],
    "add": [
        {
            "id": "gabala-nato",
            "owner": "nato",
            "kind": "an-tpy-2",
            "lat_deg": 40.87,
            "lon_deg": 47.8,
            "boresight_az_deg": 170,
        }
    ],
}


def main(out: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    fragment = base64.urlsafe_b64encode(json.dumps(STATE).encode()).decode().rstrip("=")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"http://127.0.0.1:{port}/#s={fragment}")
        page.wait_for_selector('body[data-busy="0"]:not([data-evaluations="0"])', state="attached", timeout=180_000)
        page.wait_for_timeout(1500)
        with tempfile.TemporaryDirectory() as folder:
            raw = Path(folder) / "raw.png"
            page.screenshot(path=str(raw))
            Image.open(raw).convert("RGB").quantize(
                256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
            ).save(out, optimize=True)
        browser.close()
    server.should_exit = True
    print(f"{out}: {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs/images/workbench.png")
