"""Exact linear algebra modulo a prime over the shown cells: the span test, block by block.

A team's null space is built locally, then its service's, then the
organisation's, so the cost follows the number of teams rather than the
number of finest groups cubed.
"""

from __future__ import annotations

import numpy as np

from wellbeing.privacy.arrays import distinct_rows

# Arithmetic modulo a prime keeps the rank test exact and free of the
# multithreaded floating-point linear algebra that crawls on a busy two-core
# server. The prime is small enough that a product of two residues summed over
# thousands of columns stays inside int64, so the final test is one integer
# matrix product. A figure derivable over the rationals stays derivable modulo
# p unless p divides a denominator of the solution (a chance of about one in
# a million per system); the reverse error only hides more than needed.
_PRIME = 1_048_573


# --- The audit at scale: the same span test, one team at a time --------------
#
# Every finest group belongs to one team, every team to one service. A shown
# cell whose groups all lie in one team is that team's equation; one spanning
# teams of a service is the service's; the rest (the organisation, its roles
# and stages, a sensitive group across services) are the organisation's. The
# shown cells' null space is then built bottom-up: a team's null space N_t
# (its groups minus its local rank, a handful of dimensions), a service's as
# N_t applied to the null space of its own equations written in the teams'
# null-space coordinates, and the organisation's likewise. A group is
# derivable exactly when it is orthogonal to that null space. Nothing larger
# than (a level's own equations) x (its children's null-space dimensions) is
# ever eliminated, so a cube of 400 teams is a few hundred small eliminations
# and one of a few hundred rows, where the dense test was one of thousands.

# Columns of one elimination step: E (rows x rows) times this many columns of
# the equations at a time (left-looking), so a wide level costs matrix products.
_ELIMINATION_CHUNK = 512
# Random combinations of the columns ahead of each step of an elimination: once the rows
# left without a pivot give zero on all of them, they are zero on every column ahead (but
# with chance p ** -_PROBES, 10^-48), and the elimination stops there. An organisation's
# pivots fall in its first few chunks (its columns go largest atom first), and its rows
# left over (half of them) were multiplied out over every chunk after.
_PROBES = 8
_PROBE_SEED = 20261206
# Chunks of columns from which an elimination probes ahead (fewer: the probes cost more
# than the chunks they could save).
_PROBED_FROM_CHUNKS = 4
# Float64 products of residues stay exact while (p - 1)^2 times the terms summed
# is below 2^53: sum at most this many at once, then reduce.
_EXACT_TERMS = (1 << 53) // ((_PRIME - 1) ** 2)
# numpy's int64 product has no BLAS: each multiply-add costs about what converting an
# entry to float64 (and the result back) costs this many times over. A product with more
# multiply-adds per entry converted goes to float64: 3-6 times quicker at 50 x 50 x 50 or
# 300 x 300 x 50; a narrow one (300 x 3,000 x 3) stays in int64.
_MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT = 4
# An int64 sum of this many products of residues is exact.
_EXACT_INT_TERMS = ((1 << 63) - 1) // ((_PRIME - 1) ** 2)
# A node's reduced equations with more entries than this are kept as two factors.
_FACTORED_REDUCED = 2_000_000
# Random null vectors are drawn from a generator the caller seeds, so the same
# counts give the same decision everywhere.
_SAMPLES = 3
# A block with at least this many teams of their own (a null space each) projects onto
# and lifts from their null spaces in one sparse product, not a product per team: at
# 100,000 respondents a family's organisation projected its rows team by team in 0.18 s.
# Fewer (the sample data's) keep the loop, which needs no scipy.sparse (0.15 s to import).
_TEAMS_AT_ONCE = 16
# A team's equations up to this many entries are eliminated once per cube and level: most
# teams' equations are the same in many families (sets of nearly the same people), and
# at 100,000 respondents two eliminations in three repeated one made before.
_REMEMBERED_ELIMINATION = 4096
# A block of up to this many rows writes its cells row by row; a larger one (a service,
# the organisation) all at once.
_ROWS_ONE_BY_ONE = 8


def _quicker_in_float(rows: int, inner: int, columns: int) -> bool:
    """Whether a (rows x inner) @ (inner x columns) product of residues is quicker in
    float64 than in int64 (see :data:`_MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT`), or only exact
    there."""
    entries = rows * inner + inner * columns + rows * columns
    many = rows * inner * columns >= _MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT * entries
    return many or inner > _EXACT_INT_TERMS


def _mulmod(a: np.ndarray, b: np.ndarray, *, reduce: bool = True) -> np.ndarray:
    """a @ b modulo the prime, exactly, for residues a and b.

    In int64 a sum of up to 2^63 / p^2 (millions of) products is exact, which is
    quickest for a product of few multiply-adds per entry (see
    :data:`_MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT`); any other, or one with an operand kept
    in float64, goes to float64 (BLAS) in chunks of terms whose sums stay exact.

    ``reduce=False``: where one chunk gives the product exactly, it is returned as it is
    (non-negative, and only congruent to a @ b), for a caller that reduces
    its own result anyway: the remainder of int64 division costs more than the product
    (at a million respondents, a third of the time projecting an organisation's
    equations onto its services).
    """
    inner = a.shape[1]
    if inner == 0:
        return np.zeros((a.shape[0], b.shape[1]), dtype="int64")
    floating = a.dtype == np.float64 or b.dtype == np.float64
    if not floating and not _quicker_in_float(a.shape[0], inner, b.shape[1]):
        product = a.astype("int64", copy=False) @ b.astype("int64", copy=False)
        return product % _PRIME if reduce else product
    total = None
    for start in range(0, inner, _EXACT_TERMS - 1):
        part = a[:, start : start + _EXACT_TERMS - 1].astype("float64", copy=False) @ b[
            start : start + _EXACT_TERMS - 1
        ].astype("float64", copy=False)
        part = part.astype("int64")
        if not reduce and inner < _EXACT_TERMS:
            return part
        # Reduced as integers: np.fmod of a float64 works bit by bit, twenty times slower
        # (0.2 s for a 300 x 7,000 product, where the product itself took 0.003 s).
        part %= _PRIME
        total = part if total is None else (total + part) % _PRIME
    return total


def _eliminate(
    equations: np.ndarray, order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """(pivot columns, E, rank) with E @ equations in reduced row echelon form mod p.

    E is invertible; its first ``rank`` rows give the pivot rows (identity on
    the pivot columns), the others span the left null space (combinations of
    the equations that add up to nothing). With ``order``, of ``equations[:, order]``
    (pivot columns numbered in that order), taking those columns a chunk at a time:
    the organisation of a million respondents has a few hundred equations over
    100,000 columns, whose pivots lie in the first thousand or so.

    Left-looking, a chunk of columns at a time: only the rows without a pivot yet
    are multiplied out for the chunk (where pivots are sought); the pivot rows'
    entries in a new pivot's column are worked out when it is found.
    """
    if order is None:
        order = np.arange(equations.shape[1])
    n_rows, n_columns = equations.shape[0], len(order)
    if n_rows <= 1:
        return _eliminate_one(equations[:, order])
    if n_columns <= _ELIMINATION_CHUNK:
        return _eliminate_at_once(equations[:, order])
    transform = np.eye(n_rows, dtype="int64")
    pivots: list[int] = []
    rank = 0
    probes = _probes_ahead(equations, order)
    for step, start in enumerate(range(0, n_columns, _ELIMINATION_CHUNK)):
        if rank == n_rows:
            break
        if probes is not None and rank and not _mulmod(transform[rank:], probes[step]).any():
            break  # the rows left are zero on every column from here: no pivot ahead
        settled = rank  # rows above hold the pivots of earlier chunks
        chunk = equations[:, order[start : start + _ELIMINATION_CHUNK]]
        block = _mulmod(transform[settled:], chunk)
        if not block.any():
            continue  # no pivot in this chunk: every row left is zero on it
        column = 0
        while rank < n_rows:
            own = rank - settled
            # The next column with something left below the pivots found so far: the
            # columns between hold no pivot (most of a team's columns are free).
            ahead = np.flatnonzero(block[own:, column:].any(axis=0))
            if not len(ahead):
                break
            column += int(ahead[0])
            candidates = np.flatnonzero(block[own:, column])
            chosen = own + int(candidates[0])
            if chosen != own:
                transform[[rank, settled + chosen]] = transform[[settled + chosen, rank]]
                block[[own, chosen]] = block[[chosen, own]]
            inverse = pow(int(block[own, column]), _PRIME - 2, _PRIME)
            transform[rank] = (transform[rank] * inverse) % _PRIME
            block[own] = (block[own] * inverse) % _PRIME
            factors = block[:, column].copy()
            factors[own] = 0
            touched = np.flatnonzero(factors)
            if len(touched):
                transform[settled + touched] = (
                    transform[settled + touched] - np.outer(factors[touched], transform[rank])
                ) % _PRIME
                block[touched] = (block[touched] - np.outer(factors[touched], block[own])) % _PRIME
            if settled:
                above = _mulmod(transform[:settled], chunk[:, column : column + 1])
                touched = np.flatnonzero(above[:, 0])
                if len(touched):
                    transform[touched] = (
                        transform[touched] - np.outer(above[touched, 0], transform[rank])
                    ) % _PRIME
            pivots.append(start + column)
            rank += 1
            column += 1
    return np.array(pivots, dtype=np.intp), transform, rank


def _probes_ahead(equations: np.ndarray, order: np.ndarray) -> list[np.ndarray] | None:
    """Per chunk of :func:`_eliminate`: the equations' columns from that chunk on, in
    ``order``, times random coefficients (rows x ``_PROBES``, residues); None for an
    elimination of too few chunks to be worth it."""
    chunks = range(0, len(order), _ELIMINATION_CHUNK)
    if len(chunks) < _PROBED_FROM_CHUNKS:
        return None
    rng = np.random.default_rng(_PROBE_SEED)
    parts = [
        _mulmod(
            equations[:, order[start : start + _ELIMINATION_CHUNK]],
            rng.integers(0, _PRIME, (len(order[start : start + _ELIMINATION_CHUNK]), _PROBES)),
        )
        for start in chunks
    ]
    ahead = [parts[-1]]
    for part in reversed(parts[:-1]):
        ahead.append((part + ahead[-1]) % _PRIME)
    return ahead[::-1]


def _eliminate_at_once(equations: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_eliminate` of equations of one chunk of columns (a team's), the same steps
    on the equations and E side by side in one array: a team's elimination is a few
    dozen small steps, each of which cost more in numpy's overhead than in arithmetic,
    and at a million respondents 25,000 teams are eliminated a family."""
    n_rows, n_columns = equations.shape
    work = np.zeros((n_rows, n_columns + n_rows), dtype="int64")
    work[:, :n_columns] = equations.astype("int64", copy=False) % _PRIME
    work[:, n_columns:] = np.eye(n_rows, dtype="int64")
    pivots: list[int] = []
    rank = column = 0
    while rank < n_rows:
        ahead = np.flatnonzero(work[rank:, column:n_columns].any(axis=0))
        if not len(ahead):
            break
        column += int(ahead[0])
        chosen = rank + int(np.flatnonzero(work[rank:, column])[0])
        if chosen != rank:
            work[[rank, chosen]] = work[[chosen, rank]]
        inverse = pow(int(work[rank, column]), _PRIME - 2, _PRIME)
        work[rank] = (work[rank] * inverse) % _PRIME
        factors = work[:, column].copy()
        factors[rank] = 0
        touched = np.flatnonzero(factors)
        if len(touched):
            work[touched] = (work[touched] - np.outer(factors[touched], work[rank])) % _PRIME
        pivots.append(column)
        rank += 1
        column += 1
    return np.array(pivots, dtype=np.intp), work[:, n_columns:].copy(), rank


def _eliminated(equations: np.ndarray, known: dict | None) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_eliminate`, of a small block met before (``known``: by its equations) as
    then. Its arrays are shared, so they are made read-only."""
    if known is None or equations.size > _REMEMBERED_ELIMINATION:
        return _eliminate(equations)
    key = (equations.shape, equations.tobytes())
    found = known.get(key)
    if found is None:
        found = _eliminate(equations)
        found[0].flags.writeable = found[1].flags.writeable = False
        known[key] = found
    return found


def _eliminate_one(equations: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_eliminate` of at most one equation: its first non-zero column is the pivot.

    A block with one shown cell (a team before its breakdowns are decided) is common,
    and the general loop's bookkeeping cost ten times the arithmetic.
    """
    if not len(equations):
        return np.zeros(0, dtype=np.intp), np.eye(0, dtype="int64"), 0
    row = equations[0].astype("int64") % _PRIME
    nonzero = np.flatnonzero(row)
    if not len(nonzero):
        return np.zeros(0, dtype=np.intp), np.eye(1, dtype="int64"), 0
    inverse = pow(int(row[nonzero[0]]), _PRIME - 2, _PRIME)
    return nonzero[:1].astype(np.intp), np.full((1, 1), inverse, dtype="int64"), 1


class _Node:
    """One team, service or the organisation: its own equations, reduced.

    Columns ``lo:hi`` (in the system's order) are its finest groups. Its
    *coordinates* are its finest groups (a team) or its children's null-space
    coordinates side by side (a service, the organisation). Its equations are
    its own shown cells (``cells``) in those coordinates; ``transform`` (E)
    brings them to reduced echelon form, whose pivot rows restricted to the
    ``free`` (non-pivot) coordinates are ``reduced``. The free coordinates are
    its null-space coordinates: a null-space vector with free part y has
    -reduced @ y on the pivots.
    """

    def __init__(
        self,
        lo: int,
        hi: int,
        children: list[_Node],
        cells: np.ndarray,
        priority: np.ndarray | None = None,
        eliminations: dict | None = None,
    ) -> None:
        self.lo, self.hi = lo, hi
        self.children = children
        self._teams_basis: object = None  # see _teams_null_basis; False: not used
        self.cells = cells  # its own rows (shown cells), 0/1 over lo:hi
        self.rows = np.arange(len(cells))  # their numbers in the system (set by the system)
        self._factors: tuple[np.ndarray, np.ndarray] | None = None
        # The equations by column (coordinates x rows): at the organisation of a million
        # respondents they are a few hundred rows by 100,000 coordinates, and every use
        # takes columns out of them (in priority order, the free ones), which from rows
        # took 4 s a measure, gathering a value from each row for every column.
        basis = self._teams_null_basis() if children else None
        if basis is not None:
            columns = (basis @ cells.T.astype("int64")) % _PRIME
        elif children:
            # Filled child by child into one C-ordered array (concatenating the transposed
            # parts would give a Fortran-ordered one, and a slow gather of its rows). In
            # floating point where its reduced equations may be kept as factors (below),
            # so that they are these very columns, not a copy.
            width = sum(c.dimension for c in children)
            wide = width * len(cells) > _FACTORED_REDUCED
            columns = np.empty((width, len(cells)), dtype="float64" if wide else "int64")
            # The organisation's equations projected afresh at each build: kept on its
            # services by cell for the next round of repairs, they were found again too
            # seldom to pay for keeping (the newest 1M wave's equity step 5.5 s quicker
            # and 0.47 GB lower without, the 100k wave's 0.8 s quicker).
            by_column = cells.T
            at = 0
            for c in children:
                columns[at : at + c.dimension] = c.project_columns(by_column[c.lo - lo : c.hi - lo])
                at += c.dimension
        else:
            columns = cells.T.astype("int64")
        if children:
            priority = np.concatenate([c.priority[c.free] for c in children])
        elif priority is None:
            priority = np.zeros(hi - lo, dtype=np.int64)
        # Columns in priority order: each pivot is the first column its equation still
        # holds, so the pivots fall on the columns put first.
        self.priority = priority
        order = np.argsort(priority, kind="stable")
        if children:  # in order without a copy of all the columns: see _eliminate
            pivots, self.transform, self.rank = _eliminate(columns.T, order)
        else:
            pivots, self.transform, self.rank = _eliminated(columns[order].T, eliminations)
        self.pivots = order[pivots]
        self.width = width = columns.shape[0]
        is_free = np.ones(width, dtype=bool)
        is_free[self.pivots] = False
        self.free = np.flatnonzero(is_free)
        self.dimension = len(self.free)
        # Some combination of the rows below adds up to nothing (a random left
        # null vector has something to draw here).
        self.slack = self.rank < len(cells) or any(c.slack for c in children)
        # reduced = transform[:rank] @ equations[:, free]; kept as transform[:rank] and
        # the equations, every column, where it would be large (the organisation: a few
        # hundred rows by thousands of coordinates), since it is only ever multiplied by
        # a few vectors. In floating point, as every product with them is large:
        # converting them for each product took half the time of a family's read-offs.
        self.reduced: np.ndarray | None = None
        if self.rank * self.dimension > _FACTORED_REDUCED:
            self._factors = (
                self.transform[: self.rank].astype("float64"),
                columns.astype("float64", copy=False),
            )
        else:
            self.reduced = _mulmod(self.transform[: self.rank], columns[self.free].T)

    def nbytes(self) -> int:
        """The memory its own arrays take (its children's not included)."""
        arrays = [self.transform, self.reduced, self.cells, self.pivots, self.free, self.rows]
        arrays += [self.priority, *(self._factors or ())]
        return sum(a.nbytes for a in arrays if a is not None)

    def _times_reduced(
        self, z: np.ndarray, *, reduce: bool = True, only: np.ndarray | None = None
    ) -> np.ndarray:
        """z (batch x rank) @ reduced (``reduce``: see :func:`_mulmod`); ``only``: just
        those of its columns (positions among the free coordinates)."""
        if self._factors is None:
            reduced = self.reduced if only is None else self.reduced[:, only]
            return _mulmod(z, reduced, reduce=reduce)
        transform, columns = self._factors
        if only is not None:
            return _mulmod(_mulmod(z, transform), columns[self.free[only]].T, reduce=reduce)
        # Over every coordinate, then the free ones kept: a batch's worth of copying,
        # where taking the free columns of the equations would copy all of them.
        return _mulmod(_mulmod(z, transform), columns.T, reduce=reduce)[:, self.free]

    def _reduced_times(self, y: np.ndarray, *, reduce: bool = True) -> np.ndarray:
        """reduced @ y (dimension x batch; ``reduce``: see :func:`_mulmod`)."""
        if self._factors is None:
            return _mulmod(self.reduced, y, reduce=reduce)
        transform, columns = self._factors
        spread = np.zeros((self.width, y.shape[1]), dtype="float64")  # y on the free ones
        spread[self.free] = y
        return _mulmod(transform, _mulmod(columns.T, spread), reduce=reduce)

    def _teams_null_basis(self):
        """Where every child is a team and enough have a null space of their own: their
        null bases side by side (a block-diagonal sparse matrix, columns lo:hi by this
        node's coordinates), transposed. A team's basis has a unit row on each free column
        and minus its reduced equations on the pivots, so that its :meth:`project` is
        ``v @ basis`` and its :meth:`lift` is ``basis @ y``. None where not used."""
        if self._teams_basis is None:
            self._teams_basis = False
            children = self.children
            if all(not c.children for c in children) and (
                sum(c.dimension > 0 for c in children) >= _TEAMS_AT_ONCE
            ):
                basis = _null_basis_of_teams(self)
                self._teams_basis = False if basis is None else basis
        return None if self._teams_basis is False else self._teams_basis

    def _coordinates(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors over lo:hi in this node's coordinates (batch x coordinates)."""
        if not self.children:
            return vectors.astype("int64") % _PRIME
        basis = self._teams_null_basis()
        if basis is not None:
            return np.ascontiguousarray((basis @ vectors.astype("int64").T).T % _PRIME)
        return np.concatenate(
            [c.project(vectors[:, c.lo - self.lo : c.hi - self.lo]) for c in self.children],
            axis=1,
        )

    def project(self, vectors: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
        """Vectors over lo:hi times this node's null-space basis (batch x dimension);
        ``only``: just those of its coordinates (batch x len(only))."""
        if self.dimension == 0:
            return np.zeros((len(vectors), 0), dtype="int64")
        z = self._coordinates(vectors)
        if self.rank == 0:
            return z if only is None else z[:, only]
        free = self.free if only is None else self.free[only]
        shifted = self._times_reduced(z[:, self.pivots], reduce=False, only=only)
        return (z[:, free] - shifted) % _PRIME

    def _coordinates_of_columns(self, columns: np.ndarray) -> np.ndarray:
        """:meth:`_coordinates` of vectors given as columns (lo:hi x batch), as columns
        (coordinates x batch), their residues not yet reduced."""
        if not self.children:
            return columns.astype("int64")
        basis = self._teams_null_basis()
        if basis is not None:
            return basis @ columns.astype("int64")
        return np.concatenate(
            [c.project_columns(columns[c.lo - self.lo : c.hi - self.lo]) for c in self.children],
            axis=0,
        )

    def project_columns(self, columns: np.ndarray) -> np.ndarray:
        """:meth:`project` of vectors given as columns (lo:hi x batch), as columns
        (dimension x batch): the organisation's equations are columns of its services',
        and taking free and pivot coordinates as rows copies far less than as columns."""
        if self.dimension == 0:
            return np.zeros((0, columns.shape[1]), dtype="int64")
        z = self._coordinates_of_columns(columns)
        if self.rank == 0:
            return z % _PRIME
        pivots = z[self.pivots] % _PRIME
        out = z[self.free]
        out -= self._reduced_transposed_times(pivots, reduce=False)
        out %= _PRIME
        return out

    def _reduced_transposed_times(self, y: np.ndarray, *, reduce: bool = True) -> np.ndarray:
        """reduced.T @ y (free coordinates x batch), for y (rank x batch; ``reduce``: see
        :func:`_mulmod`)."""
        if self._factors is None:
            return _mulmod(self.reduced.T, y, reduce=reduce)
        transform, columns = self._factors
        return _mulmod(columns, _mulmod(transform.T, y), reduce=reduce)[self.free]

    def lift(self, free_part: np.ndarray) -> np.ndarray:
        """Null-space vectors over lo:hi (columns) from their free coordinates."""
        z = np.zeros((self.width, free_part.shape[1]), dtype="int64")
        z[self.free] = free_part
        if self.rank:
            z[self.pivots] = (-self._reduced_times(free_part, reduce=False)) % _PRIME
        if not self.children:
            return z
        basis = self._teams_null_basis()
        if basis is not None:
            return (basis.T @ z) % _PRIME
        parts, at = [], 0
        for child in self.children:
            parts.append(child.lift(z[at : at + child.dimension]))
            at += child.dimension
        return np.concatenate(parts, axis=0)

    def represent(
        self,
        vectors: np.ndarray,
        out: np.ndarray,
        rng: np.random.Generator | None,
        noisy: np.ndarray,
    ) -> np.ndarray:
        """Write into ``out`` (batch x system rows) coefficients of this subtree's rows that add
        up to each vector; True where they exist. For the ``noisy`` vectors, a uniformly
        random such combination (of the zero vector: a random left null vector)."""
        if not (self.slack and rng is not None and noisy.any()) and not vectors.any():
            return np.ones(len(vectors), dtype=bool)
        z = self._coordinates(vectors)
        if self.rank:
            residual = (
                z[:, self.free] - self._times_reduced(z[:, self.pivots], reduce=False)
            ) % _PRIME
            coefficients = _mulmod(z[:, self.pivots], self.transform[: self.rank])
        else:
            residual = z
            coefficients = np.zeros((len(vectors), len(self.rows)), dtype="int64")
        ok = ~residual.any(axis=1)
        if rng is not None and self.rank < len(self.rows) and noisy.any():
            # Drawn for the noisy vectors alone: the others (the targets of an audit that
            # asks for dependencies alongside) leave the random stream as it was.
            noise = np.zeros((len(vectors), len(self.rows) - self.rank), dtype="int64")
            noise[noisy] = rng.integers(0, _PRIME, (int(noisy.sum()), noise.shape[1]))
            coefficients = (coefficients + _mulmod(noise, self.transform[self.rank :])) % _PRIME
        out[:, self.rows] = coefficients
        if self.children:
            rest = (vectors - _mulmod(coefficients, self.cells)) % _PRIME
            for child in self.children:
                part = rest[:, child.lo - self.lo : child.hi - self.lo]
                ok &= child.represent(part, out, rng, noisy)
        return ok


class _PinnedRun:
    """Consecutive teams of one column each, each pinned down by its one shown cell: what
    a :class:`_Node` of each would work out (a null space of no dimension; a vector's
    coefficient on a team's cell is its value on the team's column), for the run at once.

    Most teams of a wave's first step are such teams (8,400 of a 100,000-respondent
    wave's 9,000 blocks), where a node each cost more than the arithmetic.
    """

    children: tuple = ()
    dimension = 0
    slack = False
    free = np.zeros(0, dtype=np.intp)

    def __init__(self, lo: int, hi: int, priority: np.ndarray) -> None:
        self.lo, self.hi = lo, hi
        self.priority = priority
        self.rows = np.zeros(0, dtype=np.intp)  # one per column, in order (set by the system)

    def nbytes(self) -> int:
        return self.priority.nbytes + self.rows.nbytes

    def project_columns(self, columns: np.ndarray) -> np.ndarray:
        return np.zeros((0, columns.shape[1]), dtype="int64")

    def project(self, vectors: np.ndarray) -> np.ndarray:
        return np.zeros((len(vectors), 0), dtype="int64")

    def lift(self, free_part: np.ndarray) -> np.ndarray:
        return np.zeros((self.hi - self.lo, free_part.shape[1]), dtype="int64")

    def represent(
        self,
        vectors: np.ndarray,
        out: np.ndarray,
        rng: np.random.Generator | None,
        noisy: np.ndarray,
    ) -> np.ndarray:
        if vectors.any():
            out[:, self.rows] = vectors.astype("int64") % _PRIME
        return np.ones(len(vectors), dtype=bool)


class _BlockSystem:
    """The span of some 0/1 rows over columns grouped in nested blocks (service, team).

    ``rows``: each row's columns (see :func:`_one_after_another`). ``groups``
    (columns x levels) labels each column, outermost level first; a
    row belongs to the deepest block holding all of its columns. ``labels``
    name the rows (the cube's cell numbers) and ``column_ids`` (columns x 2)
    what each column stands for, the same in every system of one cube, so that
    ``cache`` (a dict kept between audits of one cube) can reuse every block
    whose rows and columns did not change: a repair hides a few cells, so the
    next audit redoes their teams, services and the organisation. Within a
    block the columns go by ``priority``, then by their ids. ``eliminations`` (a
    dict kept between the systems of every family of one cube) holds the small
    teams' eliminations by their equations (see :func:`_eliminated`).
    """

    def __init__(
        self,
        rows: list[np.ndarray] | tuple[np.ndarray, np.ndarray],
        n_columns: int,
        groups: np.ndarray,
        *,
        labels: np.ndarray | None = None,
        cache: dict | None = None,
        priority: np.ndarray | None = None,
        column_ids: np.ndarray | None = None,
        eliminations: dict | None = None,
    ) -> None:
        groups = np.asarray(groups).reshape(n_columns, -1)
        levels = groups.shape[1]
        # Each level's blocks numbered 0.. (a team code says its service too), and the
        # columns put block by block, so that every block is a contiguous range.
        codes = np.zeros((n_columns, levels + 1), dtype="int64")
        numbered = np.zeros((n_columns, levels), dtype="int64")
        for level in range(levels):
            numbered[:, level] = np.unique(groups[:, level], return_inverse=True)[1].reshape(-1)
        for level in range(levels):
            codes[:, level + 1] = distinct_rows(numbered[:, : level + 1])[1]
        priority = np.zeros(n_columns, dtype=np.int64) if priority is None else priority
        ids = None if column_ids is None else np.asarray(column_ids).reshape(n_columns, -1)
        keys = [*([] if ids is None else ids.T[::-1]), priority, *codes[:, ::-1].T]
        self.order = np.lexsort(keys) if n_columns else np.zeros(0, dtype=np.intp)
        self.position = np.empty(n_columns, dtype=np.intp)
        self.position[self.order] = np.arange(n_columns)
        self._priority = np.asarray(priority, dtype=np.int64)[self.order]
        self._column_ids = None if ids is None else np.ascontiguousarray(ids[self.order])
        codes = codes[self.order]
        self.n_columns = n_columns
        row_columns, row_starts = _one_after_another(rows)
        self.n_rows = n_rows = len(row_starts) - 1
        # Each row's columns as positions in this system's order, one row after another.
        self._positions = positions = self.position[row_columns]
        self._row_starts = row_starts
        # The block owning each row: the deepest level at which its columns agree.
        owner_level = np.zeros(n_rows, dtype="int64")
        owner_code = np.zeros(n_rows, dtype="int64")
        filled = np.flatnonzero(np.diff(row_starts))
        if len(filled):
            # From each filled row's start to the next's: an empty row between adds nothing.
            starts = row_starts[filled]
            for level in range(1, levels + 1):
                low = np.minimum.reduceat(codes[positions, level], starts)
                high = np.maximum.reduceat(codes[positions, level], starts)
                same = low == high
                owner_level[filled[same]] = level
                owner_code[filled[same]] = low[same]
        self._owned: dict[tuple[int, int], list[int]] = {}
        for i, key in enumerate(zip(owner_level.tolist(), owner_code.tolist(), strict=True)):
            self._owned.setdefault(key, []).append(i)
        self._labels = np.arange(n_rows) if labels is None else np.asarray(labels)
        self._old = cache if cache is not None else {}
        self._eliminations = eliminations
        self._new: dict = {}
        self.root = self._build(0, 0, n_columns, codes, levels)
        del self._positions, self._row_starts  # each block has its rows as cells now
        if cache is not None:  # keep only the blocks in use: a wide block is megabytes
            cache.clear()
            # Not the top block: a repair that touches the family changes it (a cell of its
            # own, or a block below), so it was built again at every audit after one and
            # keeping it only held the largest block (40 MB a family at 100,000
            # respondents, 330 MB at a million) in memory the next family could have reused.
            cache.update((key, node) for key, node in self._new.items() if node is not self.root)

    def _build(self, level, lo, hi, codes, levels) -> _Node:
        children: list = []
        if level < levels and hi > lo:
            column = codes[lo:hi, level + 1]
            starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]]) + lo
            ends = np.r_[starts[1:], hi]
            if level + 1 == levels:
                children = self._leaves(level + 1, starts, ends, codes)
            else:
                children = [
                    self._build(level + 1, a, b, codes, levels)
                    for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
                ]
        code = int(codes[lo, level]) if hi > lo else 0
        mine = np.array(self._owned.get((level, code), []), dtype=np.intp)
        columns = (lo, hi) if self._column_ids is None else self._column_ids[lo:hi].tobytes()
        key = (level, columns, self._labels[mine].tobytes(), tuple(id(c) for c in children))
        node = self._old.get(key)
        if node is not None:
            node.lo, node.hi = lo, hi  # the same columns, where this system puts them
        else:
            cells = self._cells(mine, lo, hi)
            node = _Node(
                lo,
                hi,
                children,
                cells,
                self._priority[lo:hi],
                self._eliminations,
            )
        node.rows = mine  # this system's numbering of the same rows
        self._new[key] = node
        return node

    def _cells(self, mine: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """The rows ``mine`` as 0/1 over the columns lo:hi (int8)."""
        cells = np.zeros((len(mine), hi - lo), dtype="int8")
        begin, end = self._row_starts[mine], self._row_starts[mine + 1]
        if len(mine) <= _ROWS_ONE_BY_ONE:
            for row, (a, b) in enumerate(zip(begin.tolist(), end.tolist(), strict=True)):
                cells[row, self._positions[a:b] - lo] = 1
            return cells
        lengths = end - begin
        within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        taken = self._positions[np.repeat(begin, lengths) + within]
        cells[np.repeat(np.arange(len(mine)), lengths), taken - lo] = 1
        return cells

    def _leaves(self, level, starts, ends, codes) -> list:
        """The blocks of the deepest level (teams), where each consecutive run of teams of
        one column pinned down by one row is one :class:`_PinnedRun`."""
        leaves: list = []
        run: list[tuple[int, int]] = []  # (column, row) of the teams of the current run

        def end_run() -> None:
            if run:
                leaves.append(self._pinned_run(level, run))
                run.clear()

        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            mine = self._owned.get((level, int(codes[a, level])), [])
            if b - a == 1 and len(mine) == 1:
                run.append((a, mine[0]))
            else:
                end_run()
                leaves.append(self._build(level, a, b, codes, level))
        end_run()
        return leaves

    def _pinned_run(self, level: int, run: list[tuple[int, int]]) -> _PinnedRun:
        lo, hi = run[0][0], run[-1][0] + 1
        rows = np.array([row for _, row in run], dtype=np.intp)
        columns = (lo, hi) if self._column_ids is None else self._column_ids[lo:hi].tobytes()
        key = ("pinned", level, columns, self._labels[rows].tobytes())
        node = self._old.get(key)
        if node is None:
            node = _PinnedRun(lo, hi, self._priority[lo:hi])
        node.lo, node.hi = lo, hi
        node.rows = rows
        self._new[key] = node
        return node

    def null_vectors(self, rng: np.random.Generator, count: int = _SAMPLES) -> np.ndarray:
        """Uniformly random vectors of the null space (columns x count, original column order)."""
        return self.lift(rng.integers(0, _PRIME, (self.root.dimension, count)))

    def lift(self, free_part: np.ndarray) -> np.ndarray:
        """The null-space vectors with these free coordinates (coordinates x count), as
        columns x count in the original column order."""
        return self.root.lift(free_part)[self.position]

    def null_rows(self, vectors: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
        """Each vector (batch x original columns) times the null-space basis whose free
        coordinates are :meth:`coordinate_columns` (batch x coordinates): zero exactly when
        the vector is in the span of the rows. For a unit vector, its column's row of the
        basis: 1 at the column's own coordinate if it is one, otherwise minus the
        coordinates it follows from. ``only``: just those coordinates (positions in
        :meth:`coordinate_columns`), the organisation's product with its equations
        taken for them alone."""
        vectors = np.asarray(vectors, dtype="int64")[:, self.order] % _PRIME
        return self.root.project(vectors, only)

    def coordinate_columns(self) -> np.ndarray:
        """The column (original order) each free coordinate of the null space stands for:
        a column that is no pivot at any level, whose value in a null vector is that
        coordinate's."""
        return self.order[_free_columns(self.root)]

    def screen(self, targets: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """Which targets (arrays of columns) may be derivable: every derivable one, and a
        non-derivable one with chance p ** -_SAMPLES."""
        x = self.null_vectors(rng)
        if not targets:
            return np.zeros(0, dtype=bool)
        ends = np.cumsum([len(t) for t in targets])
        running = np.cumsum(x[np.concatenate(targets).astype(np.intp)], axis=0)
        running = np.concatenate([np.zeros((1, x.shape[1]), dtype="int64"), running])
        sums = (running[ends] - running[np.r_[0, ends[:-1]]]) % _PRIME
        return ~sums.any(axis=1)

    def represent(
        self,
        vectors: np.ndarray,
        rng: np.random.Generator | None = None,
        noisy: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(coefficients over the rows, exists) for each vector (batch x original columns).

        Exact: ``exists`` is False unless the coefficients add up to the vector. With
        ``rng``, the ``noisy`` vectors (default all) get a uniformly random combination
        among all that add up to them; for the zero vector that is a random left null
        vector, non-zero on a row in the span of the others but with chance 1 / p.
        """
        vectors = np.asarray(vectors, dtype="int64")[:, self.order] % _PRIME
        out = np.zeros((len(vectors), self.n_rows), dtype="int64")
        if noisy is None:
            noisy = np.full(len(vectors), rng is not None)
        ok = self.root.represent(vectors, out, rng, np.asarray(noisy, dtype=bool))
        return out, ok


class KeptBlocks:
    """Each family's blocks (a :class:`_BlockSystem`'s ``cache``) kept between the audits
    of one cube, within ``budget`` bytes: past it, the families first audited last are let
    go, and built whole at their next audit.

    Every round of repairs audits the families in the same order, so the ones kept are
    the first of that order, and found again at the next round; letting go of the family
    built longest ago instead let go of each family just before its next audit, so that
    none was found again. (How much to keep: decision.KEPT_EQUATIONS_BYTES.)
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._caches: dict[str, dict] = {}
        # Small teams' eliminations, by their equations, for every family's systems: a few
        # megabytes (one per distinct team, each of _REMEMBERED_ELIMINATION entries at most).
        self.eliminations: dict = {}
        self._bytes: dict[str, int] = {}
        self._first_audited: dict[str, int] = {}  # each family's place in the order
        self.let_go = 0  # families let go for the budget, so far

    def of(self, family: str) -> dict:
        """The family's cache, to build its next system with (kept, or new and empty)."""
        self._first_audited.setdefault(family, len(self._first_audited))
        return self._caches.setdefault(family, {})

    def built(self, family: str) -> None:
        """After a system of the family was built: weigh its blocks, and let go of the
        other families first audited last while the blocks kept are over budget."""
        if family not in self._caches:
            return
        self._bytes[family] = sum(node.nbytes() for node in self._caches[family].values())
        while len(self._caches) > 1 and sum(self._bytes.values()) > self.budget:
            last = max(
                (other for other in self._caches if other != family),
                key=self._first_audited.__getitem__,
            )
            del self._caches[last]
            self._bytes.pop(last, None)
            self.let_go += 1

    def families(self) -> list[str]:
        """The families whose blocks are kept, in the order they were first audited."""
        return sorted(self._caches, key=self._first_audited.__getitem__)

    def nbytes(self) -> int:
        return sum(self._bytes.values())


def _one_after_another(rows) -> tuple[np.ndarray, np.ndarray]:
    """Rows given as a list of arrays of columns, or already as (their columns one row
    after another, where each row starts and the last ends), as the latter."""
    if isinstance(rows, tuple):
        columns, starts = rows
        return np.asarray(columns, dtype=np.intp), np.asarray(starts, dtype=np.intp)
    sizes = np.array([len(r) for r in rows], dtype=np.intp)
    starts = np.r_[0, np.cumsum(sizes)].astype(np.intp)
    if not len(rows):
        return np.zeros(0, dtype=np.intp), starts
    return np.concatenate([np.asarray(r, dtype=np.intp) for r in rows]), starts


def _null_basis_of_teams(node: _Node):
    """See :meth:`_Node._teams_null_basis`; None where a team keeps its reduced
    equations as two factors (too large to write out)."""
    from scipy.sparse import csr_matrix  # see _TEAMS_AT_ONCE

    rows: list[np.ndarray] = []  # coordinates
    columns: list[np.ndarray] = []  # columns lo:hi
    values: list[np.ndarray] = []
    at = 0
    for team in node.children:
        if not team.dimension:
            continue
        if team.rank and team.reduced is None:
            return None
        offset = team.lo - node.lo
        coordinates = np.arange(at, at + team.dimension)
        rows.append(coordinates)
        columns.append(offset + team.free)
        values.append(np.ones(team.dimension, dtype="int64"))
        if team.rank:
            pivot, coordinate = np.nonzero(team.reduced)
            rows.append(at + coordinate)
            columns.append(offset + team.pivots[pivot])
            values.append(_PRIME - team.reduced[pivot, coordinate])
        at += team.dimension
    return csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(at, node.hi - node.lo),
        dtype="int64",
    )


def _free_columns(node: _Node) -> np.ndarray:
    """A node's null-space coordinates as columns (system order): a team's are its own
    free columns; a service's or the organisation's, its children's coordinates that
    stay free in its own equations."""
    if not node.children:
        return node.lo + node.free
    return np.concatenate([_free_columns(child) for child in node.children])[node.free]
