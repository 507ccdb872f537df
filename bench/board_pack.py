"""Time the board pack PDF on the bundled sample data (target: under 30 s).

Runs in a process of its own (``python -m bench.board_pack``): loads the sample
exports into a temporary store through the HR import path, then builds the pack
for the organisation and for one service, and prints one JSON object.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path


def main() -> None:
    from queries import survey
    from wellbeing import store
    from wellbeing.ingest import demo
    from wellbeing.present import board_pack

    with tempfile.TemporaryDirectory() as folder:
        con = store.connect(Path(folder) / "sample.duckdb")
        demo.load(con)
        wave_id = int(survey.waves(con)["id"].iloc[-1])
        seconds = {}
        scopes = {"organisation": None, "Children's services": "Children's services"}
        for scope, service in scopes.items():
            started = time.perf_counter()
            pdf = board_pack.board_pack_pdf(con, wave_id=wave_id, service=service)
            seconds[scope] = time.perf_counter() - started
            assert pdf.startswith(b"%PDF")
        con.close()
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
