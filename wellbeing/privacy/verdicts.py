"""What a decision shows, apart from how it was reached: every cell's status, to look up and keep.

Deciding a wave at 100,000 respondents takes the engine a minute; looking a
cell up in what it decided takes microseconds. :class:`Verdicts` is the second
half alone: per cell its set, key, count, k and status, for the plain cells
(organisation, services, teams and their role and career-stage breakdowns)
and, once decided, the sensitive breakdowns too. It is what every figure is
gated on, and it is what the store keeps (``queries.decisions``), so that a
restart, a second server process or a reader of a snapshot looks the wave up
instead of deciding it again.

Kept as plain arrays and JSON (:meth:`Verdicts.to_bytes`), never pickled: a
store file is data, and loading it must not run code.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellbeing.privacy.cells import ALL, LEVELS, CellIndex, Cube, Layout
from wellbeing.privacy.rules import BELOW_K, NO_DATA, PROTECTS_SMALLER, SHOWN

# A cell's status in the arrays: shown, fewer than its k, hidden to protect another.
CODE_SHOWN, CODE_BELOW_K, CODE_PROTECTS = 0, 1, 2
STATUS_OF_CODE = {CODE_SHOWN: SHOWN, CODE_BELOW_K: BELOW_K, CODE_PROTECTS: PROTECTS_SMALLER}
_ARRAYS = ("set_of", "keys", "count", "k", "status")


class VerdictsError(ValueError):
    """Kept verdicts that cannot be read back (another format, a damaged payload)."""


@dataclass(frozen=True)
class Part:
    """The statuses of one cube's cells: set, key codes (-1 for ALL), count, k, status."""

    set_of: np.ndarray
    keys: np.ndarray
    count: np.ndarray
    k: np.ndarray
    status: np.ndarray

    @classmethod
    def of(cls, cube: Cube, status: np.ndarray, sets: Sequence[int]) -> Part:
        """The cells of the given sets (the current version's: no figure reads a past one)."""
        cells = np.flatnonzero(np.isin(cube.set_of, list(sets)))
        return cls(
            cube.set_of[cells],
            cube.keys[cells],
            cube.count[cells],
            cube.k[cells],
            status[cells].astype(np.int8),
        )

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        # Small integer types: a 100k wave's sensitive breakdowns are 200,000 cells.
        np.savez_compressed(
            buffer,
            set_of=self.set_of.astype(np.int32),
            keys=self.keys.astype(np.int32),
            count=self.count.astype(np.int64),
            k=self.k.astype(np.int32),
            status=self.status.astype(np.int8),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, payload: bytes) -> Part:
        try:
            with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
                found = {name: arrays[name] for name in _ARRAYS}
        except (OSError, ValueError, KeyError) as error:
            raise VerdictsError(f"kept verdicts could not be read: {error}") from error
        cells = len(found["status"])
        if any(len(found[name]) != cells for name in _ARRAYS) or found["keys"].ndim != 2:
            raise VerdictsError("kept verdicts could not be read: arrays of different lengths")
        return cls(
            found["set_of"].astype(np.int64),
            found["keys"].astype(np.int64),
            found["count"].astype(np.int64),
            found["k"].astype(np.int64),
            found["status"].astype(np.int8),
        )


def _keyed(part: Part) -> tuple[np.ndarray, np.ndarray]:
    return part.set_of, part.keys


class Verdicts:
    """Every cell of the current sets of one wave: shown, or hidden and why.

    ``values``: per dimension, the values a key code stands for. ``aliases``:
    each current set's name to the set number its cells carry (sets of exactly
    the same people share one). ``services``: each team's service in this wave.
    The parts are decided level by level (cells.LEVELS): ``units`` always,
    ``plain`` (the units and their role and career-stage breakdowns) and ``whole``
    (the sensitive breakdowns too) None until decided. Each part holds the cells of
    the one before as they were decided, so a unit's cell is looked up in the units
    part whichever parts are decided.
    """

    def __init__(
        self,
        *,
        layout: Layout,
        values: tuple[tuple[str, ...], ...],
        aliases: dict[str, int],
        services: dict[str, str],
        units: Part | None = None,
        plain: Part | None = None,
        whole: Part | None = None,
    ) -> None:
        if units is None:
            if plain is None:
                raise ValueError("verdicts need their units or their plain part")
            units = _units_of(plain, layout)
        self.layout = layout
        self.values = values
        self.aliases = aliases
        self.services = services
        self.units = units
        self.plain = plain
        self.whole = whole
        self._code_of = [{value: code for code, value in enumerate(v)} for v in values]
        self._index = {
            level: CellIndex.for_values(values, *_keyed(part))
            for level, part in self._parts().items()
        }

    def _parts(self) -> dict[str, Part]:
        found = {"units": self.units, "plain": self.plain, "whole": self.whole}
        return {level: part for level, part in found.items() if part is not None}

    def decided(self, level: str) -> bool:
        """Whether the cells of ``level`` (cells.LEVELS) are decided."""
        return level in self._parts()

    def with_part(self, level: str, part: Part) -> Verdicts:
        """The same verdicts with one more level decided (a new object: the old one may be
        in another thread's hands)."""
        if level not in ("plain", "whole"):
            raise ValueError(f"no level {level!r} to add")
        made = copy.copy(self)
        setattr(made, level, part)
        made._index = {**self._index, level: CellIndex.for_values(self.values, *_keyed(part))}
        return made

    # --- looking cells up ------------------------------------------------------------

    def _part(self, level: str) -> tuple[Part, CellIndex]:
        if level not in self._index:
            raise LookupError(f"the {level} cells of this wave are not decided yet")
        return self._parts()[level], self._index[level]

    def _codes(self, key: tuple[str, ...]) -> np.ndarray | None:
        codes = np.full(len(self.layout.dimensions), -1, dtype=np.int64)
        for i, value in enumerate(key):
            if value == ALL:
                continue
            code = self._code_of[i].get(str(value))
            if code is None:
                return None
            codes[i] = code
        return codes

    def lookup(self, set_name: str, key: tuple[str, ...]) -> tuple[str, int]:
        """(status, respondents) of one cell; a cell nobody is in reads "fewer than k".

        Only the organisation says "no data": for any smaller group an empty cell
        and a cell of one person must look alike, so that taking part is not shown.
        Raises LookupError for a cell of a level not decided yet.
        """
        key = tuple(key)
        nobody = (NO_DATA if all(v == ALL for v in key) else BELOW_K), 0
        part, index = self._part(self.layout.level_of(key))
        if set_name not in self.aliases:
            return nobody
        codes = self._codes(key)
        cell = -1 if codes is None else int(index.find([self.aliases[set_name]], codes)[0])
        if cell < 0:
            return nobody
        return STATUS_OF_CODE[int(part.status[cell])], int(part.count[cell])

    def statuses(self, set_names: Iterable[str], keys: Iterable[tuple[str, ...]]) -> list[str]:
        """The status of many cells (one set name per key), as :meth:`lookup` gives each.

        Worked out on arrays: a page gates thousands of rows per click.
        """
        set_names, keys = list(set_names), [tuple(key) for key in keys]
        if not keys:
            return []
        layout = self.layout
        codes = np.full((len(keys), len(layout.dimensions)), -1, dtype=np.int64)
        named = np.zeros((len(keys), len(layout.dimensions)), dtype=bool)
        for i, code_of in enumerate(self._code_of):
            column = [key[i] for key in keys]
            named[:, i] = [v != ALL for v in column]
            codes[:, i] = [-1 if v == ALL else code_of.get(str(v), -2) for v in column]
        known = (codes != -2).all(axis=1)
        codes[codes == -2] = -1
        sets = np.array([self.aliases.get(name, -1) for name in set_names], dtype=np.int64)
        known &= sets >= 0
        level = layout.level_numbers(named)
        out = np.where(~named.any(axis=1), NO_DATA, BELOW_K).astype(object)
        for number, name in enumerate(LEVELS):
            asked = level == number
            if not asked.any():
                continue
            part, index = self._part(name)
            rows = np.flatnonzero(known & asked)
            if not len(rows):
                continue
            cells = index.find(sets[rows], codes[rows])
            found = cells >= 0
            names = np.array([STATUS_OF_CODE[int(c)] for c in part.status[cells[found]]])
            out[rows[found]] = names
        return out.tolist()

    def service_of(self, team: str) -> str | None:
        """The service a team belongs to here, or None for a team nobody is in."""
        return self.services.get(str(team))

    def _key_text(self, keys: np.ndarray) -> tuple[str, ...]:
        return tuple(
            self.values[i][code] if code >= 0 else ALL for i, code in enumerate(keys.tolist())
        )

    def cells(self, *, sensitive: bool = True, level: str | None = None) -> pd.DataFrame:
        """Every cell of every current set: set, dimensions..., respondents, k, status.

        Of ``level`` (cells.LEVELS), or else the whole or the plain cells (``sensitive``).
        """
        part, _ = self._part(level or ("whole" if sensitive else "plain"))
        rows = []
        for name, number in self.aliases.items():
            for cell in np.flatnonzero(part.set_of == number).tolist():
                rows.append(
                    (
                        name,
                        *self._key_text(part.keys[cell]),
                        int(part.count[cell]),
                        int(part.k[cell]),
                        STATUS_OF_CODE[int(part.status[cell])],
                    )
                )
        columns = ["set", *self.layout.dimensions, "respondents", "k", "status"]
        return pd.DataFrame(rows, columns=columns)

    def shown_keys(
        self, *, sensitive: bool = False, level: str | None = None
    ) -> dict[str, list[tuple[str, ...]]]:
        """Per current set, the keys of its shown cells: what to remember as published.

        Of ``level`` (cells.LEVELS), or else the whole or the plain cells (``sensitive``).
        """
        part, _ = self._part(level or ("whole" if sensitive else "plain"))
        shown = (part.status == CODE_SHOWN) & (part.count > 0)
        return {
            name: [self._key_text(part.keys[c]) for c in np.flatnonzero(shown & (part.set_of == n))]
            for name, n in self.aliases.items()
        }

    # --- keeping them ----------------------------------------------------------------

    def describe(self) -> bytes:
        """What the parts' key codes stand for, as JSON: kept beside each part."""
        layout = self.layout
        return json.dumps(
            {
                "layout": [layout.dimensions, layout.sub_filters, layout.sensitive, layout.units],
                "values": self.values,
                "aliases": self.aliases,
                "services": self.services,
            }
        ).encode()

    @classmethod
    def read(cls, description: bytes, parts: dict[str, bytes]) -> Verdicts:
        """Verdicts kept by :meth:`describe` and :meth:`Part.to_bytes`, per level: the
        units' or the plain part at least."""
        try:
            meta = json.loads(description)
            dimensions, sub_filters, sensitive, units = (tuple(x) for x in meta["layout"])
            layout = Layout(dimensions, sub_filters, sensitive, units)
            values = tuple(tuple(str(v) for v in column) for column in meta["values"])
            aliases = {str(k): int(v) for k, v in meta["aliases"].items()}
            services = {str(k): str(v) for k, v in meta["services"].items()}
        except (ValueError, KeyError, TypeError) as error:
            raise VerdictsError(f"kept verdicts could not be read: {error}") from error
        if "units" not in parts and "plain" not in parts:
            raise VerdictsError("kept verdicts could not be read: neither units nor plain cells")
        read = {level: Part.from_bytes(parts[level]) for level in LEVELS if level in parts}
        for part in read.values():
            if part.keys.shape[1] != len(dimensions):
                raise VerdictsError("kept verdicts could not be read: keys of another layout")
        return cls(layout=layout, values=values, aliases=aliases, services=services, **read)


def _units_of(part: Part, layout: Layout) -> Part:
    """The units' cells of a part: those that name no filter and no sensitive attribute."""
    columns = [layout.dimensions.index(d) for d in (*layout.sub_filters, *layout.sensitive)]
    cells = np.flatnonzero((part.keys[:, columns] < 0).all(axis=1)) if columns else None
    if cells is None:
        return part
    return Part(
        part.set_of[cells], part.keys[cells], part.count[cells], part.k[cells], part.status[cells]
    )
