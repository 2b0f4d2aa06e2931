"""Measuring OCR: character and word accuracy of recognised text against the text that was drawn."""

from __future__ import annotations

from collections.abc import Sequence


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance between two sequences (of characters or of words)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def accuracy(reference: str, recognised: str) -> tuple[float, float]:
    """(character, word) accuracy: 1 - edit distance / length of the reference, whitespace folded."""
    reference, recognised = " ".join(reference.split()), " ".join(recognised.split())
    chars = 1 - edit_distance(reference, recognised) / len(reference)
    words = 1 - edit_distance(reference.split(), recognised.split()) / len(reference.split())
    return chars, words
