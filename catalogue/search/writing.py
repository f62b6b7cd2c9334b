"""Writing whoosh segments: the codec and writer options, cached field lengths, and building
a generation's documents in parallel worker processes."""

from __future__ import annotations

import logging
import multiprocessing
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from whoosh import index as whoosh_index
from whoosh import util as whoosh_util
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage

from catalogue.search import documents
from catalogue.search.schema import build_schema

log = logging.getLogger("catalogue.search.indexer")

# whoosh names segments and temporary files with the process-wide `random` module. Anything
# that seeds it (hypothesis does, per example; so could any library) makes whoosh reuse a
# segment name and write over a live segment: files read back empty ("Unknown file header
# b''") and the next commit fails. whoosh.util looks `random` up at call time, so giving it
# the operating system's generator makes every name independent of that state.
whoosh_util.random = random.SystemRandom()  # type: ignore[attr-defined]

# Bigger, uncompressed posting blocks: fewer unpickles per term when search reads postings
# whole (segments._read_blocks), and a little less work when writing.
CODEC = W3Codec(blocklimit=1024, compression=0)
# Enough pool memory that a 50k-record build sorts its postings without spilling runs to disk.
# Plain segment files, not compound ones: whoosh copies a compound file's parts into memory
# every time a searcher opens it, which made each post-write reopen cost a big segment's size.
# (The struct.error once blamed on plain files was segment names reused under a reseeded random.)
WRITER_OPTIONS = {"limitmb": 1024, "codec": CODEC, "compound": False}

# --- writing ------------------------------------------------------------------------------------


class _CachedLengths:
    """whoosh asks a segment's field length once per posting while writing it (a file read
    each time, and a stat for fields that keep no lengths); this reads each field once."""

    def __init__(self, inner: Any, schema: Any) -> None:
        self._inner = inner
        self._schema = schema
        self._columns: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        column = self._columns.get(fieldname)
        if column is None:
            if fieldname in self._schema and self._schema[fieldname].scorable:
                read = self._inner.doc_field_length
                column = [read(d, fieldname, 0) for d in range(self._inner.doc_count_all())]
            else:
                column = []
            self._columns[fieldname] = column
        return column[docnum] if docnum < len(column) else default

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _writer(ix: whoosh_index.Index, **options: Any) -> Any:
    return _fast_lengths(ix.writer(**options))


def _fast_lengths(writer: Any) -> Any:
    if hasattr(writer, "per_document_reader"):
        original = writer.per_document_reader
        writer.per_document_reader = lambda: _CachedLengths(original(), writer.schema)
    return writer


# Parallel builds: each process reads its share of the records from the database and writes
# its own segment into the new generation; the parent then lists the segments in one commit.
_progress_counter: Any = None


def _init_worker(counter: Any) -> None:
    global _progress_counter
    _progress_counter = counter


def _build_part(url: str, gen_dir: str, part: int, parts: int) -> Any:
    from whoosh.writing import SegmentWriter

    from catalogue.db import make_engine

    engine = make_engine(url)
    ix = FileStorage(gen_dir).open_index(schema=build_schema())
    writer = _fast_lengths(SegmentWriter(ix, _lk=False, **WRITER_OPTIONS))
    try:
        done = 0
        with engine.connect() as conn:
            for doc in documents.all_documents(conn, part=part, parts=parts):
                writer.add_document(**doc)
                done += 1
                if done % 200 == 0 and _progress_counter is not None:
                    with _progress_counter.get_lock():
                        _progress_counter.value += 200
        if _progress_counter is not None:
            with _progress_counter.get_lock():
                _progress_counter.value += done % 200
        if not writer._added:
            writer._close_segment()
            return None
        return writer._finalize_segment()
    finally:
        engine.dispose()


def _build_parallel(engine: Engine, ix: Any, gen: Path, procs: int, progress: Callable[[int], None] | None) -> None:
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    url = engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(procs, mp_context=ctx, initializer=_init_worker, initargs=(counter,)) as pool:
        futures = [pool.submit(_build_part, url, str(gen), i, procs) for i in range(procs)]
        reported = 0
        while not all(f.done() for f in futures):
            time.sleep(0.2)
            if progress:
                now = counter.value
                progress(now - reported)
                reported = now
        segments = [f.result() for f in futures]
    if progress:
        progress(counter.value - reported)
    writer = ix.writer()
    writer._close_segment()
    writer._commit_toc([s for s in segments if s is not None])
    writer._finish()
