"""Uploaded files stay in memory: never in a temporary file on disk, even for a moment.

Werkzeug spools a multipart file part larger than 500 kB to a temporary file
(``formparser.default_stream_factory``); an evidence document would then sit in clear on the
disk until the request ends (and longer after a crash). ``MemoryRequest`` returns an in-memory
buffer instead. The request's size is bounded by ``MAX_CONTENT_LENGTH`` (the document limit plus
1 MB: ``config.py``), so the memory is bounded too; a larger request is refused with 413 before
its body is read. An endpoint that takes larger files (the import of a list) says so with
``allow_larger_body``: its own limit then applies, from the first read of the form (the CSRF and
control-character checks read it before the view).
"""

from __future__ import annotations

import io
import typing as t

from flask import Flask, Request, current_app

MEGABYTE = 1024 * 1024
_LARGER_BODIES: dict[str, str] = {}  # endpoint → the config key of its largest file, in bytes


def allow_larger_body(endpoint: str, config_key: str) -> None:
    """Let ``endpoint`` take a request of ``config[config_key]`` bytes plus 1 MB (its form)."""
    _LARGER_BODIES[endpoint] = config_key


class MemoryRequest(Request):
    """A request whose uploaded files are read into memory (``io.BytesIO``), never spooled to disk."""

    @property
    def max_content_length(self) -> int | None:
        """The app's limit, or the larger one of an endpoint given to ``allow_larger_body``."""
        limit = Request.max_content_length.fget(self)
        key = _LARGER_BODIES.get(self.endpoint or "")
        if key and current_app and self._max_content_length is None:
            return max(limit or 0, int(current_app.config[key]) + MEGABYTE)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)

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
