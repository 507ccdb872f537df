"""The many-leaders curve through nginx, with one reader and then with two (docs/deployment.md).

    python -m bench.readers --db bench/out/sample_loaded.duckdb --readers 1 2 \\
        --sessions 1 5 10 25 --seconds 30

For each number of readers: a writer on a copy of ``--db`` publishing snapshots,
that many read-only servers, nginx from ``deploy/nginx.conf.template`` on
127.0.0.1, and bench.leaders' sessions through nginx. Each leader connects from
its own loopback address (127.0.2.1, 127.0.3.1, ...), so that nginx's ip_hash
spreads them over the readers as it spreads leaders from different machines.
Every process is stopped at the end. Prints one JSON line per step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench import browser, leaders

ROOT = browser.ROOT
NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


def _streamlit(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = browser.server_command(port)
    with log.open("wb") as output:
        return subprocess.Popen(
            command, cwd=ROOT, env=dict(os.environ) | env, stdout=output, stderr=subprocess.STDOUT
        )


def _healthy(url: str, timeout: float = 300) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} was not healthy")


def nginx_conf(folder: Path, readers: list[int], writer: int, leaders_port: int, hr: int) -> Path:
    servers = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in readers)
    site = (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("@READERS@", servers)
        .replace("@WRITER@", f"127.0.0.1:{writer}")
        .replace("@LEADERS_LISTEN@", f"127.0.0.1:{leaders_port}")
        .replace("@HR_LISTEN@", f"127.0.0.1:{hr}")
    )
    (folder / "wellbeing.conf").write_text(site, encoding="utf-8")
    (folder / "temp").mkdir(exist_ok=True)
    temp = folder / "temp"
    main = (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n access_log off;\n client_body_temp_path {temp}/body;\n"
        f" proxy_temp_path {temp}/proxy;\n fastcgi_temp_path {temp}/fastcgi;\n"
        f" uwsgi_temp_path {temp}/uwsgi;\n scgi_temp_path {temp}/scgi;\n"
        f" include {folder}/wellbeing.conf;\n}}\n"
    )
    path = folder / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


def curve(db: Path, *, readers: int, sessions: list[int], seconds: float) -> list[dict]:
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        store = folder / "store.duckdb"
        shutil.copy(db, store)
        where = folder / "snapshots"
        try:
            writer = browser.free_port()
            processes.append(
                _streamlit(
                    {"WELLBEING_DB": str(store), "WELLBEING_SNAPSHOTS": str(where)},
                    writer,
                    folder / "writer.log",
                )
            )
            _healthy(f"http://127.0.0.1:{writer}")
            leaders.measure(f"http://127.0.0.1:{writer}", levels=[1], seconds=1)  # publishes
            ports = []
            for number in range(readers):
                port = browser.free_port()
                ports.append(port)
                processes.append(
                    _streamlit(
                        {
                            "WELLBEING_DB": str(folder / "absent.duckdb"),
                            "WELLBEING_SNAPSHOTS": str(where),
                            "WELLBEING_READ_ONLY": "1",
                        },
                        port,
                        folder / f"reader{number}.log",
                    )
                )
            for port in ports:
                _healthy(f"http://127.0.0.1:{port}")
                # Each reader's first run starts its own background preparation: let it end.
                leaders.measure(f"http://127.0.0.1:{port}", levels=[1], seconds=1)
            for process in processes[1:]:
                browser.wait_until_idle(process.pid, timeout=3600)
            front, hr = browser.free_port(), browser.free_port()
            conf = nginx_conf(folder, ports, writer, front, hr)
            processes.append(
                subprocess.Popen(
                    [str(NGINX), "-p", str(folder), "-c", str(conf)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.STDOUT,
                )
            )
            _healthy(f"http://127.0.0.1:{front}")
            found = []
            for count in sessions:
                row = leaders.measure(
                    f"http://127.0.0.1:{front}", levels=[count], seconds=seconds, spread=True
                )[0]
                row |= {"readers": readers, "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}
                print(json.dumps(row), flush=True)
                found.append(row)
            return found
        finally:
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--readers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 25, 50])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    for readers in args.readers:
        curve(args.db, readers=readers, sessions=args.sessions, seconds=args.seconds)


if __name__ == "__main__":
    main()
