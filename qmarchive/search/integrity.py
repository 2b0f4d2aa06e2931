"""Reading the whole search index as a search would, to find damage before a search does.

Whoosh keeps no checksums, and opening an index reads only its TOC and segment directories: a
segment with zeroed or cut-off bytes opens fine and fails later, on the first search that touches
them. ``damage`` reads every segment end to end (stored fields, every term's postings with their
positions, per-document columns and field lengths) through plain file reads, and names each
segment that fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from whoosh.reading import SegmentReader

from qmarchive.errors import SearchIndexError
from qmarchive.search import lifecycle


@dataclass(frozen=True)
class Damage:
    path: Path  # the segment file, or the generation when its TOC cannot be read
    detail: str  # what Whoosh raised


@dataclass(frozen=True)
class Reading:
    segments: int
    documents: int
    terms: int
    damage: list[Damage]


def read_all(index_dir: Path) -> Reading:
    """Read every segment of the current generation; raises SearchIndexError only if there is no index."""
    generation = lifecycle.current_generation(index_dir)
    if generation is None:
        raise SearchIndexError(f"{lifecycle.whoosh_dir(index_dir)}: no search index yet; run 'qmarchive index'")
    try:
        index = lifecycle.open_for_reading(index_dir)
        segments = index._segments()  # noqa: SLF001 - Whoosh offers no public list of a TOC's segments
        schema = index.schema
    except SearchIndexError as exc:
        return Reading(0, 0, 0, [Damage(generation, _detail(exc.__cause__ or exc))])
    damage: list[Damage] = []
    documents = terms = 0
    for segment in segments:
        path = generation / segment.make_filename(segment.COMPOUND_EXT if segment.is_compound() else "")
        try:
            reader = SegmentReader(index.storage, schema, segment)
        except Exception as exc:  # noqa: BLE001 - a damaged segment fails in many ways
            damage.append(Damage(path, _detail(exc)))
            continue
        try:
            documents += _read_segment(reader)
            terms += sum(1 for _ in reader.all_terms())
        except Exception as exc:  # noqa: BLE001 - see above
            damage.append(Damage(path, _detail(exc)))
        finally:
            reader.close()
    return Reading(len(segments), documents, terms, damage)


def _read_segment(reader: SegmentReader) -> int:
    """Every byte a search could read from one segment; returns its number of documents."""
    documents = sum(1 for _ in reader.all_stored_fields())
    for fieldname in reader.indexed_field_names():
        positions = reader.schema[fieldname].format.supports("positions")
        for text in reader.lexicon(fieldname):
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                matcher.weight()
                if positions:
                    matcher.value_as("positions")
                matcher.next()
    for fieldname in reader.schema.names():
        if reader.has_column(fieldname):
            for _ in reader.column_reader(fieldname):
                pass
    scorable = list(reader.schema.scorable_names())
    for docnum in range(reader.doc_count_all()):
        for fieldname in scorable:
            reader.doc_field_length(docnum, fieldname)
    return documents


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
