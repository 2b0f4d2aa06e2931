"""User input → a safe SQLite FTS5 query.

FTS5 has its own query syntax, in which ``Bewohner:innen`` is a column filter, a stray ``"`` a syntax
error and a bare ``AND`` an operator. Here every term becomes a quoted phrase of its words, so no input
can cause an error; ``"…"`` keeps a phrase together and a trailing ``*`` searches for a prefix.
"""

from __future__ import annotations

import re

_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")
# Matches nothing and is valid FTS5, for input without a single word.
NOTHING = '""'


def fts_query(text: str | None) -> str:
    """Each term a quoted phrase, all terms required: ``Bewohner:innen Straße*`` → ``"Bewohner innen" "Straße"*``."""
    parts = []
    for quoted, bare in _TERM.findall(text or ""):
        words = _WORD.findall(quoted or bare)
        if not words:
            continue
        prefix = "*" if bare.endswith("*") else ""
        parts.append('"' + " ".join(words) + '"' + prefix)
    return " ".join(parts) or NOTHING
