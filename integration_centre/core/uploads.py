"""Uploaded files stay in memory: never in a temporary file on disk, even for a moment.

Werkzeug spools a multipart file part larger than 500 kB to a temporary file
(``formparser.default_stream_factory``); an evidence document would then sit in clear on the
disk until the request ends (and longer after a crash). ``MemoryRequest`` returns an in-memory
buffer instead. The request's size is bounded by ``MAX_CONTENT_LENGTH`` (the document limit plus
1 MB: ``config.py``), so the memory is bounded too; a larger request is refused with 413 before
its body is read.
"""

from __future__ import annotations

import io
import typing as t

from flask import Flask, Request


class MemoryRequest(Request):
    """A request whose uploaded files are read into memory (``io.BytesIO``), never spooled to disk."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> t.IO[bytes]:
        return io.BytesIO()


def init_app(app: Flask) -> None:
    """Make ``app`` use ``MemoryRequest``."""
    app.request_class = MemoryRequest
