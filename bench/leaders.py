"""Many leaders at once: real sessions driven through Streamlit's websocket protocol.

Each simulated leader opens ``/_stcore/stream`` on a running server as the
browser does, runs a page, then clicks a sidebar filter (wave or service) after
a random think time (exponential, 5 s mean), sending the same ``rerun_script``
message a browser sends. A click is timed from sending it to the server's
``script_finished`` for that run: every element of the new page has then been
sent. The browser's own drawing is not included (the floor's browser repaint,
measured beside it, is what a browser adds). Sessions are spread over the pages
leaders can open. Everything stays on 127.0.0.1 and every run is bounded by
``--seconds``.

    python -m bench.leaders --url http://127.0.0.1:8501 --sessions 1 5 10 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass, field

FILTER_LABELS = ("Wave", "Service")
THINK_MEAN_SECONDS = 5.0
# A click not finished within this long counts as an error (and the session stops).
CLICK_TIMEOUT_SECONDS = 60.0
# Opening a page may include deciding a wave nobody has prepared yet: minutes at 100k
# on a busy machine. An open slower than this is an error too.
OPEN_TIMEOUT_SECONDS = 900.0


@dataclass
class SessionLog:
    clicks_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Leader:
    """One browser tab's worth of protocol: run the page, change a filter, wait for the run."""

    def __init__(self, websocket, page_hash: str = "") -> None:
        self.websocket = websocket
        self.page_hash = page_hash
        self.states: dict[str, object] = {}
        self.boxes: dict[str, tuple[str, list[str]]] = {}  # label -> (widget id, options)
        self.pages: dict[str, str] = {}  # url path -> page script hash

    async def run(self, timeout: float = CLICK_TIMEOUT_SECONDS) -> str | None:
        """Ask for a rerun with the current widget states; None, or what went wrong."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        message = BackMsg(
            rerun_script=ClientState(
                widget_states=WidgetStates(widgets=list(self.states.values())),
                page_script_hash=self.page_hash,
            )
        )
        await self.websocket.send(message.SerializeToString())
        error = None
        while True:
            raw = await asyncio.wait_for(self.websocket.recv(), timeout=timeout)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "navigation":
                for page in forward.navigation.app_pages:
                    self.pages[page.url_pathname] = page.page_script_hash
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                which = element.WhichOneof("type")
                if which == "selectbox":
                    box = element.selectbox
                    self.boxes[box.label] = (box.id, list(box.options))
                elif which == "exception" and error is None:
                    error = element.exception.message[:200] or element.exception.type
            elif kind == "page_not_found":
                error = "page not found"
            elif kind == "script_finished":
                status = forward.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the app asked for another run (st.rerun): wait for it
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    error = error or "compile error"
                return error

    def change_a_filter(self, rng: random.Random) -> bool:
        """Pick another option in the wave or service box, as a click would."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        choices = [label for label in FILTER_LABELS if len(self.boxes.get(label, ("", []))[1]) > 1]
        if not choices:
            return False
        widget_id, options = self.boxes[rng.choice(choices)]
        current = self.states.get(widget_id)
        now = current.string_value if current is not None else None
        option = rng.choice([o for o in options if o != now] or options)
        self.states[widget_id] = WidgetState(id=widget_id, string_value=option)
        return True


async def leader(
    url: str,
    *,
    page: str | None,
    start: Clock,
    rng: random.Random,
    think: float,
    source: str | None = None,
) -> SessionLog:
    """One leader: open the page, wait for every other leader to have opened theirs, click."""
    import websockets

    log = SessionLog()
    address = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
    counted = False
    try:
        # A source address of its own, when asked, as a leader on another machine has.
        local = {"local_addr": (source, 0)} if source else {}
        async with websockets.connect(
            address,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=60,
            ping_interval=None,
            **local,
        ) as websocket:
            one = Leader(websocket)
            try:
                error = await one.run(OPEN_TIMEOUT_SECONDS)
                if not error and page and page in one.pages:
                    one.page_hash = one.pages[page]
                    error = await one.run(OPEN_TIMEOUT_SECONDS)
            finally:
                counted = True
                until = await start.opened()
            if error:
                log.errors.append(f"opening {page or 'the first page'}: {error}")
                return log
            while True:
                pause = rng.expovariate(1 / think)
                if time.monotonic() + pause >= until:
                    break
                await asyncio.sleep(pause)
                if not one.change_a_filter(rng):
                    log.errors.append("no filter to change")
                    break
                started = time.perf_counter()
                error = await one.run()
                log.clicks_ms.append((time.perf_counter() - started) * 1000)
                if error:
                    log.errors.append(error)
    except Exception as problem:  # a dropped connection is an error, not a crash of the bench
        log.errors.append(f"{type(problem).__name__}: {problem or 'no answer in time'}"[:200])
    if not counted:  # failed before opening: the others must not wait for it
        await start.opened()
    return log


class Clock:
    """The clicking starts once every session has opened its page, and lasts ``seconds``."""

    def __init__(self, sessions: int, seconds: float) -> None:
        self.waiting = sessions
        self.seconds = seconds
        self.all_open = asyncio.Event()
        self.until = 0.0

    async def opened(self) -> float:
        self.waiting -= 1
        if self.waiting == 0:
            self.until = time.monotonic() + self.seconds
            self.all_open.set()
        await self.all_open.wait()
        return self.until


async def crowd(
    url: str,
    *,
    sessions: int,
    seconds: float,
    pages: list[str],
    seed: int,
    think: float,
    spread: bool = False,
) -> dict:
    rng = random.Random(seed)
    start = Clock(sessions, seconds)
    logs = await asyncio.gather(
        *(
            leader(
                url,
                page=pages[n % len(pages)] if pages else None,
                start=start,
                rng=random.Random(rng.random()),
                think=think,
                # nginx's ip_hash keys on the first three octets: vary the third.
                source=f"127.0.{n + 2}.1" if spread else None,
            )
            for n in range(sessions)
        )
    )
    clicks = [ms for log in logs for ms in log.clicks_ms]
    errors = [e for log in logs for e in log.errors]
    return {
        "sessions": sessions,
        "seconds": seconds,
        "clicks": len(clicks),
        "median_ms": statistics.median(clicks) if clicks else None,
        "p95_ms": _percentile(clicks, 0.95),
        "worst_ms": max(clicks) if clicks else None,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def measure(
    url: str,
    *,
    levels: list[int],
    seconds: float,
    pages: list[str] | None = None,
    seed: int = 20,
    think: float = THINK_MEAN_SECONDS,
    spread: bool = False,
) -> list[dict]:
    """The click-to-repaint curve, one bounded run per number of sessions."""
    return [
        asyncio.run(
            crowd(
                url,
                sessions=n,
                seconds=seconds,
                pages=pages or [],
                seed=seed,
                think=think,
                spread=spread,
            )
        )
        for n in levels
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 25, 50])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=THINK_MEAN_SECONDS)
    parser.add_argument("--pages", nargs="*", default=[])
    args = parser.parse_args(argv)
    for row in measure(
        args.url, levels=args.sessions, seconds=args.seconds, pages=args.pages, think=args.think
    ):
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
