"""`roof serve`: the workbench, a local web page for what-ifs without files."""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated

import typer

from securityroof.errors import RoofError
from securityroof.present.cli._app import _fail, _require, app, errors

#: Where `roof --help` lists this group's commands.
PANEL = "Workbench"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


@app.command("serve", rich_help_panel=PANEL)
def serve_command(
    scenarios: Annotated[
        list[str] | None, typer.Argument(help="Architectures to offer first: library names or scenario files.")
    ] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free one).")] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; anything but this machine's is reachable by others.")
    ] = "127.0.0.1",
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open the browser.")] = False,
) -> None:
    """The workbench: switch assets on and off, add and move them on a map, change sharing, delay and
    interceptor speeds, and see every figure recomputed; compare, check deterrence, download the
    scenario or the report. Runs until Ctrl-C."""
    _require("serve", "fastapi")
    _require("serve", "uvicorn")
    import uvicorn

    from securityroof.present.web.app import create_app

    if not is_loopback(host):
        errors.print(
            f"[bold yellow]warning:[/] --host {host}: the workbench is reachable from other machines; "
            "it has no login, and anyone who reaches it can run computations on this one",
            highlight=False,
        )
    try:
        web = create_app(scenarios or [])
    except RoofError as error:
        _fail(error)
    config = uvicorn.Config(web, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    _announce_when_started(server, host, open_browser=not no_open)
    try:
        server.run()
    except OSError as error:
        _fail(f"--port: cannot listen on {host}:{port}: {error.strerror or error}")
    if server.started is False and not server.should_exit:
        _fail(f"--port: cannot listen on {host}:{port}")


def _announce_when_started(server, host: str, open_browser: bool) -> None:
    """Print the page's address once ``server`` listens (its port may have been chosen then), and open it."""
    import threading
    import time
    import webbrowser

    def wait_and_open() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1]
            shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            url = f"http://{shown if ':' not in shown else f'[{shown}]'}:{port}/"
            errors.print(f"workbench: {url} (Ctrl-C stops it)", highlight=False)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=wait_and_open, daemon=True).start()
