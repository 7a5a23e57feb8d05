"""Who stands where on every ranking, as bitsets: the counting behind IRV and Schulze.

The distinct rankings of a profile are laid end to end, one bit per ranked entry (entry
``t`` of the concatenation is bit ``t`` of every bitset). Per candidate one big int marks
its entries; ``ends`` marks the last entry of each ranking and ``starts`` the first. Two
carry tricks then answer, for every ranking at once, the questions the engines ask, so
the work per ranking runs inside CPython's big-int arithmetic instead of a Python loop
(no NumPy, no compiled extension):

- the first continuing choice of each ranking: ``alive & ~((alive | ends) - starts)``
  (within a ranking, subtracting its start bit borrows up to its lowest set bit; the end
  bit keeps a ranking with no continuing choice from borrowing from the next one);
- the entries at or after candidate ``b`` in each ranking: ``(ends - at[b]) ^ ends``
  (a ranking names ``b`` at most once, so the subtraction stays inside each ranking).

Ballot counts: rankings cast by several ballots come first (the low bits) and each of
their entries also carries its ranking's count, one bitset per binary digit; a count of
entries (at most one per ranking) is then ``bit_count`` plus, for the low part, the
digits' ``bit_count`` shifted by digit.

Ids are packed with ``struct`` (the narrowest integer layout that holds them) and
recognised byte by byte with ``bytes.translate``; an id no 64-bit layout holds falls back
to packing candidate indexes. Entries of ids that are not among the candidates (struck
nominees) belong to nobody: IRV treats them as eliminated and Schulze ignores them, which
is exactly striking them, and a ranking with no candidate left counts as no ballot.
"""

import struct
from collections.abc import Collection, Sequence
from itertools import chain, compress, repeat
from operator import eq, ne

from voting.tally.profile import RankedProfile

# _MARK[value]: translate table writing b"1" for the byte ``value`` and b"0" for every other byte.
_MARK = tuple(bytes(49 if byte == value else 48 for byte in range(256)) for value in range(256))
_BYTE = tuple(bytes((value,)) for value in range(256))
# _DIGIT[d]: translate table writing b"1" for the bytes whose binary digit d is set.
_DIGIT = tuple(bytes(49 if byte >> digit & 1 else 48 for byte in range(256)) for digit in range(8))


class Positions:
    """The bitset view of ``profile`` restricted to ``candidates`` (the only ids it knows).

    ``ballots``: ballots naming at least one candidate; ``first_preferences``: ballots per
    candidate ranked highest among all of them.
    """

    __slots__ = (
        "_at",
        "_digits",
        "_ends",
        "_full",
        "_several",
        "_starts",
        "ballots",
        "candidates",
        "first_preferences",
    )

    def __init__(self, profile: RankedProfile, candidates: Sequence[int]) -> None:
        self.candidates = tuple(candidates)
        counts = profile.counts
        rankings, weights = list(counts), list(counts.values())
        several = list(compress(rankings, map(ne, weights, repeat(1))))
        several_weights = [weight for weight in weights if weight != 1]
        rows = several + list(compress(rankings, map(eq, weights, repeat(1))))
        lengths = list(map(len, rows))
        end_marks = [b""] + [b"0" * (length - 1) + b"1" for length in range(1, max(lengths, default=0) + 1)]
        self._ends = int(b"".join(map(end_marks.__getitem__, lengths))[::-1] or b"0", 2)
        self._full = (1 << sum(lengths)) - 1
        self._starts = ((self._ends << 1) | 1) & self._full
        self._at = self._entries_of(tuple(chain.from_iterable(rows)))
        self._several = (1 << sum(lengths[: len(several)])) - 1
        self._digits = _count_digits(several_weights, lengths)
        self.first_preferences = self.first_choices(self.candidates)
        self.ballots = sum(self.first_preferences.values())

    def first_choices(self, continuing: Collection[int]) -> dict[int, int]:
        """Ballots whose highest-ranked candidate among ``continuing`` is each of them."""
        alive = 0
        for candidate in continuing:
            alive |= self._at[candidate]
        first = alive & ~((alive | self._ends) - self._starts)
        return {candidate: self._ballots(self._at[candidate] & first) for candidate in continuing}

    def pairwise(self) -> dict[int, dict[int, int]]:
        """d[a][b]: ballots ranking a above b, an unranked b counting as below every ranked a."""
        order, at, ends = self.candidates, self._at, self._ends
        # Entries where b is not ranked at or before them: b ranked lower, or not at all.
        clear_of = {b: ((ends - at[b]) ^ ends) ^ self._full for b in order}
        return {a: {b: self._ballots(at[a] & clear_of[b]) for b in order if b != a} for a in order}

    def _ballots(self, entries: int) -> int:
        """Ballots cast by the rankings of ``entries``, a bitset holding at most one entry per ranking."""
        weighted = entries & self._several
        total = entries.bit_count() - weighted.bit_count()
        for digit, plane in self._digits:
            total += (weighted & plane).bit_count() << digit
        return total

    def _entries_of(self, ids: tuple[int, ...]) -> dict[int, int]:
        """Per candidate, the bitset of the entries naming it."""
        columns, keys = _columns(ids, self.candidates)
        found: dict[tuple[int, int], int] = {}  # (byte, value) -> entries whose id has that byte
        at: dict[int, int] = {}
        for candidate, key in zip(self.candidates, keys, strict=True):
            bits = self._full
            for byte, value in enumerate(key):
                column = columns[byte]
                if isinstance(column, int):  # every entry has this same byte
                    bits = bits if column == value else 0
                    continue
                if (byte, value) not in found:
                    found[byte, value] = int(column.translate(_MARK[value]), 2)
                bits &= found[byte, value]
            at[candidate] = bits
        return at


def _count_digits(weights: list[int], lengths: list[int]) -> tuple[tuple[int, int], ...]:
    """(d, entries of the rankings whose ballot count has binary digit d) for the rankings counted more than once.

    Those rankings come first among the entries (``lengths`` lists theirs first), so the
    digits only span the low bits.
    """
    if not weights:
        return ()
    if max(weights) >> 64:
        raise ValueError("a ranking is counted 2**64 times or more")
    columns, _ = _columns(tuple(weights), ())
    span = (1 << sum(lengths[: len(weights)])) - 1
    backwards = lengths[len(weights) - 1 :: -1]
    spread: dict[int, bytes] = {}  # byte -> that byte of each count repeated over its ranking's entries
    digits: list[tuple[int, int]] = []
    for digit in range(max(weights).bit_length()):
        column = columns[digit // 8]
        if isinstance(column, int):  # every count shares this byte
            plane = span if column >> digit % 8 & 1 else 0
        else:  # one byte per ranking, last ranking first, like the entries
            if digit // 8 not in spread:
                spread[digit // 8] = b"".join(map(bytes.__mul__, map(_BYTE.__getitem__, column), backwards))
            plane = int(spread[digit // 8].translate(_DIGIT[digit % 8]), 2)
        if plane:
            digits.append((digit, plane))
    return tuple(digits)


def _columns(values: tuple[int, ...], candidates: tuple[int, ...]) -> tuple[list[bytes | int], list[bytes]]:
    """Byte b of every value, and of every candidate, in the narrowest little-endian layout holding them.

    ``columns[b]`` is the bytes of byte b of every value, last value first (the order
    ``int(..., 2)`` reads), or that byte itself when every value shares it. When no
    64-bit layout holds every id, candidate indexes are packed instead (-1 for other ids).
    """
    for code in "BHIQq":
        size, signed = struct.calcsize(code), code.islower()
        try:
            keys = [candidate.to_bytes(size, "little", signed=signed) for candidate in candidates]
            packed = struct.pack(f"<{len(values)}{code}", *values)
        except (OverflowError, struct.error):
            continue
        columns: list[bytes | int] = []
        for byte in range(size):
            column = packed[byte::size]
            if not column or column.count(column[:1]) == len(column):
                columns.append(column[0] if column else 0)
            else:
                columns.append(column[::-1])
        return columns, keys
    index = {candidate: position for position, candidate in enumerate(candidates)}
    return _columns(tuple(index.get(value, -1) for value in values), tuple(range(len(candidates))))
