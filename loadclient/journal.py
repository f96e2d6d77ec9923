"""An optional record of what the server acknowledged, so that a run can be checked against the database."""

from __future__ import annotations

from pathlib import Path
from typing import IO
from uuid import UUID

import orjson


class Journal:
    """JSON lines: {"stored": [uuid, ...]} per acknowledged batch, {"delete": uuid, "status": ...} per
    delete (200, 404, or "error" when its replay got no answer either), with "replayed": true when an
    earlier attempt of it may have been processed (a 404 then is most likely its own doing)."""

    def __init__(self, path: Path | None) -> None:
        self._file: IO[bytes] | None = path.open("ab") if path else None

    def stored(self, uuids: list[UUID]) -> None:
        self._write({"stored": uuids})

    def delete_attempted(self, uuid: UUID, status: int | str, replayed: bool = False) -> None:
        self._write({"delete": uuid, "status": status, **({"replayed": True} if replayed else {})})

    def _write(self, entry: dict[str, object]) -> None:
        if self._file is not None:
            self._file.write(orjson.dumps(entry) + b"\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
