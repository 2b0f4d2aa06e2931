"""The two ways library code reports progress, so that the command line can draw a bar (and tests need none)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

# Called with how many more items are done (export rows, indexed pages).
Advance = Callable[[int], None]
# Wraps a list of items with a label and yields them while they are worked on (verify, package).
Wrap = Callable[[Sequence[Any], str], Iterable[Any]]
