"""Serial number formats: how a running production number becomes a marking.

Makers mark serials in a few recognisable shapes: letters then digits
("LE012345"), a three-digit block, a dash and five digits (Ruger, "196-12345"),
pure digits with leading zeros ("004512"), and letter prefixes that roll over
when the digits run out ("HSK9999" then "HSL0000"). A tracer has to cope with all
of them, so the world uses all of them; some makers deliberately share a shape so
that the same string exists under two makers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Style = Literal["prefix", "rollover", "block"]


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _trailing_letters(prefix: str) -> str:
    return prefix[len(prefix.rstrip(_UPPER)) :]


def _letters_value(prefix: str) -> int:
    """Bijective base-26 value of the trailing letters (the inverse of bumping)."""
    letters = _trailing_letters(prefix)
    value = 0
    for ch in letters:
        value = value * 26 + (ord(ch) - 65)
    return value  # exact while the prefix has not grown a letter (far beyond 10M weapons)


@lru_cache(maxsize=4096)
def _bump_letters(prefix: str, steps: int) -> str:
    """Advance the trailing letters of ``prefix`` as a base-26 counter.

    Leading characters that are not letters (Sig's "63A") stay as they are.
    """
    head = prefix.rstrip(_UPPER)
    letters = prefix[len(head) :]
    if not letters or steps == 0:
        return prefix
    value = 0
    for ch in letters:
        value = value * 26 + (ord(ch) - 65)
    value += steps
    out = []
    for _ in range(len(letters)):
        value, r = divmod(value, 26)
        out.append(chr(65 + r))
    # Overflow past "ZZZ" grows a letter rather than wrapping onto used serials.
    while value:
        value, r = divmod(value - 1, 26)
        out.append(chr(65 + r))
    return head + "".join(reversed(out))


@dataclass(frozen=True, slots=True)
class SerialFormat:
    """One marking scheme. ``key`` names the series a counter runs over.

    Two makers whose formats share a ``key`` draw their running numbers from
    overlapping ranges, which is how identical strings under different makers
    arise in the world.
    """

    key: str
    prefix: str = ""
    digits: int = 6
    suffix: str = ""
    style: Style = "prefix"
    block_start: int = 0

    def render(self, n: int) -> str:
        """The marking of running number ``n`` (n >= 0)."""
        if self.style == "block":
            block, body = divmod(n, self.capacity)
            return f"{self.block_start + block}-{body:0{self.digits}d}{self.suffix}"
        if self.style == "rollover":
            turn, body = divmod(n, self.capacity)
            return f"{_bump_letters(self.prefix, turn)}{body:0{self.digits}d}{self.suffix}"
        return f"{self.prefix}{n:0{self.digits}d}{self.suffix}"

    def prefix_len(self, serial: str) -> int:
        """Length of the leading maker/model part of ``serial`` (0 for pure digits).

        Officers often drop this part, so the damage model needs to know it.
        """
        if self.style == "block":
            dash = serial.find("-")
            return dash + 1 if dash > 0 else 0
        if self.style == "rollover":
            n = len(serial) - self.digits - len(self.suffix)
            return max(n, 0)
        return len(self.prefix)

    def number(self, serial: str) -> int | None:
        """The running number behind a marking this format produced (None if not)."""
        body = serial[: len(serial) - len(self.suffix)] if self.suffix else serial
        if self.suffix and not serial.endswith(self.suffix):
            return None
        if self.style == "block":
            block, _, digits = body.partition("-")
            if not (block.isdigit() and digits.isdigit()):
                return None
            return (int(block) - self.block_start) * self.capacity + int(digits)
        head = body[: len(body) - self.digits]
        digits = body[len(head) :]
        if not digits.isdigit():
            return None
        if self.style == "rollover":
            turn = _letters_value(head) - _letters_value(self.prefix)
            if head[: len(head) - len(_trailing_letters(head))] != self.prefix.rstrip(_UPPER):
                return None
            return turn * self.capacity + int(digits)
        rest = body[len(self.prefix) :]
        if not body.startswith(self.prefix) or not rest.isdigit():
            return None
        return int(rest)

    @property
    def capacity(self) -> int:
        """Numbers before the marking grows a character (a soft limit)."""
        return int(10**self.digits)


def fmt(
    key: str,
    prefix: str = "",
    digits: int = 6,
    *,
    suffix: str = "",
    style: Style = "prefix",
    block_start: int = 0,
) -> SerialFormat:
    """Shorthand for catalogue entries."""
    return SerialFormat(key, prefix, digits, suffix, style, block_start)
