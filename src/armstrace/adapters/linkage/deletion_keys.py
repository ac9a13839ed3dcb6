"""Vectorised hashing of serials and of their deletion variants.

A serial of length ``n`` is a row of small codes ``c_0 .. c_{n-1}`` (1..37, 0 is
padding). Its hash is the polynomial ``h = sum c_t * B**t`` modulo 2**64, which
numpy's wrapping uint64 arithmetic computes exactly. Because ``B`` is odd it is
invertible modulo 2**64, so the hash of the string with positions ``i`` (and
``j``) deleted follows from the prefix sums ``P[k] = sum_{t<k} c_t B**t`` in a few
array operations, for a whole block of serials at once:

    del i:     P[i] + (P[n] - P[i+1]) * B**-1
    del i<j:   P[i] + (P[j] - P[i+1]) * B**-1 + (P[n] - P[j+1]) * B**-2

and swapping neighbours ``t, t+1`` adds ``(c_{t+1} - c_t) * (B**t - B**(t+1))``.
No variant string is ever built. A key is the variant hash plus a *salt* naming
what was done (family, original length, positions), passed through the
splitmix64 finaliser so its top bits are uniform (the index buckets on them).

Collisions are harmless for completeness: every key hit is verified against the
serials themselves before it becomes a candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from armstrace.domain.serials import CONFUSABLES

__all__ = [
    "ALPHABET",
    "BASE",
    "BASE_INV",
    "FAMILY_CORE",
    "FAMILY_EXACT",
    "FAMILY_MASK1",
    "FAMILY_MASK2",
    "FOLD_LUT",
    "MAX_LEN",
    "POW",
    "POW_INV",
    "SALT_CORE",
    "SALT_EXACT",
    "codes_of",
    "core_keys",
    "core_starts",
    "del1",
    "del2",
    "encode",
    "exact_keys",
    "fold",
    "mix",
    "pow_table",
    "prefix_hashes",
    "salt",
    "swap_delta",
    "tail_starts",
    "width_for",
]

U64 = npt.NDArray[np.uint64]
MASK64 = (1 << 64) - 1
MAX_LEN = 32  # longest serial given deletion keys (bit masks of positions fit in 64)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ?"
BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
BASE_INV = pow(BASE, -1, 1 << 64)

FAMILY_EXACT = 1
FAMILY_MASK1 = 2
FAMILY_MASK2 = 3
FAMILY_CORE = 4

# byte -> code (0 for anything outside the alphabet, i.e. padding)
_CODE_LUT = np.zeros(256, dtype=np.uint64)
for _k, _ch in enumerate(ALPHABET, start=1):
    _CODE_LUT[ord(_ch)] = _k


def pow_table(base: int, count: int) -> U64:
    """``base**k mod 2**64`` for k in 0..count-1, exact (Python ints)."""
    out = np.empty(count, dtype=np.uint64)
    v = 1
    for k in range(count):
        out[k] = v
        v = (v * base) & MASK64
    return out


POW = pow_table(BASE, 2 * MAX_LEN + 8)
POW_INV = pow_table(BASE_INV, 2 * MAX_LEN + 8)
# B**t - B**(t+1) mod 2**64, computed exactly (numpy scalars would warn on wrap).
_SWAP = np.array(
    [(pow(BASE, t, 1 << 64) - pow(BASE, t + 1, 1 << 64)) & MASK64 for t in range(2 * MAX_LEN + 8)],
    dtype=np.uint64,
)
_BINV = np.uint64(BASE_INV)
_BINV2 = np.uint64((BASE_INV * BASE_INV) & MASK64)


def codes_of(ascii_bytes: npt.NDArray[np.uint8]) -> U64:
    """Small codes of a (rows, n) ASCII byte block (letters, digits, '?')."""
    return _CODE_LUT[ascii_bytes]


def prefix_hashes(codes: U64) -> U64:
    """``P`` of shape (rows, n+1): ``P[:, k] = sum_{t<k} c_t B**t`` mod 2**64."""
    rows, n = codes.shape
    out = np.zeros((rows, n + 1), dtype=np.uint64)
    np.cumsum(codes * POW[:n], axis=1, out=out[:, 1:])
    return out


def del1(p: U64, n: int, i: int) -> U64:
    """Hashes of the rows with position ``i`` deleted."""
    out: U64 = p[:, i] + (p[:, n] - p[:, i + 1]) * _BINV
    return out


def del2(p: U64, n: int, i: int, j: int) -> U64:
    """Hashes of the rows with positions ``i < j`` deleted."""
    out: U64 = p[:, i] + (p[:, j] - p[:, i + 1]) * _BINV + (p[:, n] - p[:, j + 1]) * _BINV2
    return out


def swap_delta(left: U64, right: U64, t: int) -> U64:
    """What swapping codes ``left`` (at t) and ``right`` (at t+1) adds to a hash."""
    out: U64 = (right - left) * _SWAP[t]
    return out


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def salt(family: int, n: int, a: int = 0, b: int = 0) -> np.uint64:
    """The salt of a key family for serials of length ``n`` at positions a, b."""
    return np.uint64(_splitmix((family << 48) | (n << 32) | (a << 16) | b))


_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


def mix(h: U64, salt_value: np.uint64 | U64) -> U64:
    """The final key: splitmix64 finaliser of ``h + salt`` (vectorised)."""
    z = h + salt_value
    z ^= z >> _S30
    z *= _C1
    z ^= z >> _S27
    z *= _C2
    z ^= z >> _S31
    return z


# --- encoding: canonical strings as zero-padded ASCII rows -------------------------
FOLD_LUT = np.arange(256, dtype=np.uint8)  # byte-level fold_confusables
for _src, _dst in CONFUSABLES.items():
    FOLD_LUT[ord(_src)] = ord(_dst)
_STRIP_LUT = np.zeros(256, dtype=bool)  # leading characters digit_core strips
for _ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0":
    _STRIP_LUT[ord(_ch)] = True
_FOLD_TABLE = str.maketrans(CONFUSABLES)
SALT_CORE = np.array([salt(FAMILY_CORE, n) for n in range(MAX_LEN + 1)], dtype=np.uint64)
SALT_EXACT = np.array([salt(FAMILY_EXACT, n) for n in range(MAX_LEN + 1)], dtype=np.uint64)
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]


def width_for(n: int) -> int:
    """Row width in bytes for strings of up to ``n`` characters (a multiple of 8)."""
    return max(8, -(-n // 8) * 8)


def encode(strings: Sequence[str], width: int) -> U8:
    """ASCII rows (len(strings), width), zero padded; longer strings truncated."""
    arr = np.array(strings, dtype=f"S{width}") if strings else np.empty(0, f"S{width}")
    return arr.view(np.uint8).reshape(len(strings), width)


def fold(s: str) -> str:
    """``fold_confusables`` (the byte table's twin for Python strings)."""
    return s.translate(_FOLD_TABLE)


def core_starts(canonical: U8, lengths: npt.NDArray[np.integer[Any]]) -> I64:
    """Per row, how many leading letters and zeros ``digit_core`` strips."""
    strip = _STRIP_LUT[canonical]
    strip = np.concatenate([strip, np.zeros((len(strip), 1), dtype=bool)], axis=1)
    first = np.argmin(strip, axis=1).astype(np.int64)
    out: I64 = np.minimum(first, lengths).astype(np.int64)
    return out


def tail_starts(folded: U8, lengths: npt.NDArray[np.integer[Any]]) -> I64:
    """Per row, where ``tail_core`` starts: after the last letter, past any zeros."""
    cols = np.arange(folded.shape[1])
    letter = (folded >= ord("A")) & (folded <= ord("Z"))
    start = np.where(letter, cols, -1).max(axis=1, initial=-1) + 1
    keep = (folded != ord("0")) & (cols >= start[:, None])  # padding bytes are 0, not "0"
    keep = np.concatenate([keep, np.ones((len(keep), 1), dtype=bool)], axis=1)
    out: I64 = np.minimum(np.argmax(keep, axis=1), lengths).astype(np.int64)
    return out


def core_keys(cores: list[str]) -> U64:
    """Family-C keys of digit cores (each at most MAX_LEN characters)."""
    clen = np.fromiter(map(len, cores), dtype=np.int64, count=len(cores))
    p = prefix_hashes(codes_of(encode(cores, width_for(int(clen.max())))))
    h = np.take_along_axis(p, clen[:, None], axis=1)[:, 0]
    return mix(h, SALT_CORE[clen])


def exact_keys(folded: list[str]) -> U64:
    """Exact (family E) keys of already folded strings of any length."""
    out = np.empty(len(folded), dtype=np.uint64)
    for k, s in enumerate(folded):
        h = 0
        for t, ch in enumerate(s):
            h = (h + (ALPHABET.index(ch) + 1) * pow(BASE, t, 1 << 64)) & ((1 << 64) - 1)
        out[k] = mix(np.array([h], dtype=np.uint64), salt(FAMILY_EXACT, min(len(s), 0xFFFF)))[0]
    return out
