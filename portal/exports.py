"""CSV files people download: written while they stream, so a large export never sits in memory whole."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response, stream_with_context


def csv_download(filename: str, rows: Iterable[list]) -> Response:
    """A CSV attachment of ``rows`` (the heading row first), each written as given: make typed text safe first
    (``portal.formatting.spreadsheet_cell``)."""
    def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(chunks()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
