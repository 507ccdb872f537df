"""The board pack a director hands to the board: every name whole, nothing cut or overprinted.

The pack is printed from the sample data as the Overview prints it. Its text is
read with poppler's pdftotext (every word and where it sits), and its pages are
drawn with pdftoppm, so the test sees what a reader sees: a label the chart cut
off at its edge is text in the PDF but no ink on the page.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import numpy as np
import pytest
from PIL import Image
from support import STORE_CONFIG

from queries import settings, survey
from wellbeing.present import board_pack, tables

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
# Printing the pack and reading it back takes seconds. .ci/run installs poppler-utils,
# so in CI (CI set) these run rather than skip.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not POPPLER and not os.environ.get("CI"),
        reason="needs poppler-utils (pdftotext, pdftoppm)",
    ),
]

DPI = 110
MARGIN_PT = {"left": 14 / 25.4 * 72, "right": 14 / 25.4 * 72, "top": 16 / 25.4 * 72}


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Printed:
    pack: board_pack.BoardPack
    text: str
    words: list[Word]
    pages: list[np.ndarray]
    page_size: tuple[float, float]


@pytest.fixture(scope="module")
def printed(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    folder = tmp_path_factory.mktemp("board-pack")
    # Read-only: demo_db is every test's template, and the engine keeps its verdicts
    # in a store it may write.
    con = duckdb.connect(str(demo_db), read_only=True, config=STORE_CONFIG)
    try:
        wave_id = int(survey.waves(con)["id"].iloc[-1])
        pack = board_pack.build(
            con, wave_id=wave_id, rules=settings.rules(con), today=dt.date(2026, 12, 4)
        )
    finally:
        con.close()
    pdf = folder / "pack.pdf"
    pdf.write_bytes(board_pack.html_to_pdf(board_pack.render_html(pack)))
    raw = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(folder / "words.html")], check=True)
    xhtml = (folder / "words.html").read_text(encoding="utf-8")
    root = ElementTree.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xhtml))
    words, size = [], (595.0, 842.0)
    for number, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page")):
        size = (float(page.get("width")), float(page.get("height")))
        for word in page.iter("{http://www.w3.org/1999/xhtml}word"):
            box = [float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append(Word(number, word.text or "", *box))
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(folder / "page")], check=True
    )
    pages = [
        np.asarray(Image.open(path), dtype=float)
        for path in sorted(folder.glob("page-*.pgm"), key=lambda p: int(p.stem.split("-")[1]))
    ]
    return Printed(pack, " ".join(raw.split()), words, pages, size)


def charted_teams(pack: board_pack.BoardPack) -> set[str]:
    """Every team a chart of the pack names, shown or hidden (the first column of its table)."""
    return {
        str(team)
        for section in pack.sections
        if section.figure is not None and section.table is not None
        for team in section.table.frame.iloc[:, 0]
    }


def test_the_pack_has_a_cover_charts_and_a_page_of_method_and_anonymity(printed):
    text = printed.text
    assert text.startswith("Workforce wellbeing: the organisation")
    for fact in ("For the organisation", "Survey wave Autumn 2026", "Prepared 4 December 2026"):
        assert fact in text
    assert sum(section.figure is not None for section in printed.pack.sections) == 4
    assert "About these figures" in text and "Anonymity." in text and "Uncertainty." in text
    # The cover is a page of its own, and the method notes start one.
    first_page = " ".join(w.text for w in printed.words if w.page == 0)
    assert "Headline" not in first_page
    method_page = next(w.page for w in printed.words if w.text == "Uncertainty.")
    assert printed.words[0].page < method_page
    heading = [w.text for w in printed.words if w.page == method_page][:3]
    assert heading == ["About", "these", "figures"]


def test_every_team_a_chart_names_appears_whole_in_the_text(printed):
    teams = charted_teams(printed.pack)
    assert len(teams) >= 16
    missing = [team for team in sorted(teams) if team not in printed.text]
    assert not missing, missing


def test_no_word_is_printed_over_another_or_outside_the_page_margins(printed):
    width, height = printed.page_size
    problems = []
    for word in printed.words:
        if word.x0 < MARGIN_PT["left"] - 1 or word.x1 > width - MARGIN_PT["right"] + 1:
            problems.append(f"page {word.page + 1}: {word.text!r} reaches the page edge")
        if word.y0 < MARGIN_PT["top"] - 1:
            problems.append(f"page {word.page + 1}: {word.text!r} reaches the top edge")
    by_page: dict[int, list[Word]] = {}
    for word in printed.words:
        by_page.setdefault(word.page, []).append(word)
    for words in by_page.values():
        for i, a in enumerate(words):
            for b in words[i + 1 :]:
                overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
                overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
                if overlap_x > 1 and overlap_y > 1:
                    problems.append(f"page {a.page + 1}: {a.text!r} is printed over {b.text!r}")
    assert not problems, "\n".join(problems)


def chart_frames(page: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Each chart's frame on a page image: (top, bottom, left, right) in pixels.

    Every chart is printed in a thin frame of grey #a0a0a0 (160; a table's
    borders are lighter); its left side is a vertical run of that grey at the
    left margin.
    """
    margin = int(round(MARGIN_PT["left"] * DPI / 72))
    grey = (page > 140) & (page < 180)
    frames = []
    for left in range(margin - 3, margin + 4):
        column = grey[:, left]
        top = None
        for row, on in enumerate([*column, False]):
            if on and top is None:
                top = row
            elif not on and top is not None:
                if row - top > 60:
                    right = left + int(np.flatnonzero(grey[top + 5, left + 1 :])[-1]) + 1
                    frames.append((top, row - 1, left, right))
                top = None
        if frames:
            return frames
    return frames


def test_no_chart_label_is_cut_at_the_edge_of_its_chart(printed):
    # A label cut off at its chart's edge leaves ink right against the frame's inside;
    # whole labels leave a gap (the margins are worked out from the longest label).
    problems, charts = [], 0
    for number, page in enumerate(printed.pages):
        for top, bottom, left, right in chart_frames(page):
            charts += 1
            inside = page[top + 3 : bottom - 2]
            edges = {"left": slice(left + 2, left + 5), "right": slice(right - 4, right - 1)}
            for side, columns in edges.items():
                if (inside[:, columns] < 128).any():
                    problems.append(f"page {number + 1}: a label is cut at the {side} of a chart")
    assert not problems, "\n".join(problems)
    assert charts == sum(section.figure is not None for section in printed.pack.sections)


def test_hidden_teams_in_the_pack_say_why_in_words(printed):
    hidden = {
        str(row.iloc[0]): row[tables.HIDDEN_BECAUSE]
        for section in printed.pack.sections
        if section.table is not None
        for _, row in section.table.frame.iterrows()
        if row[tables.HIDDEN_BECAUSE]
    }
    assert hidden
    for reason in set(hidden.values()):
        assert reason in printed.text
