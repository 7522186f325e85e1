"""Reading tables as people export them: any of the encodings and delimiters
that Excel, Google Sheets, VAN, Action Network, Mobilize and NationBuilder
write, streamed row by row so a file of any size reads in flat memory.

Shared by the contact, do-not-call and volunteer-roster imports.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, TextIO

from phonebank.errors import ImportFileError

logger = logging.getLogger(__name__)

DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SAMPLE_CHARS = 64 * 1024
CHUNK_BYTES = 1 << 20
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAVE_AS_CSV = (
    "Save it as CSV with commas (in Excel: File > Save As > CSV UTF-8), "
    "or pass --delimiter with ',', ';' or tab."
)


class Row(NamedTuple):
    """One record: the physical line it starts on, its cells by header, and
    what is wrong with it, if anything, for the caller to reject it."""

    line: int
    values: dict[str, str]
    problem: str | None = None


class Table:
    """An open delimited file, read one row at a time; use it as a context."""

    def __init__(self, path: Path, encoding: str, delimiter: str) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.size = path.stat().st_size
        self._raw = path.open("rb")
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, newline="")
        self._reader = csv.reader(self._text, delimiter=delimiter, strict=True)
        self.header_line, self.headers = self._read_header()

    def _read_header(self) -> tuple[int, list[str]]:
        for line, cells in self._records():
            if any(cell.strip() for cell in cells):
                return line, clean_headers(cells)
        self.close()
        raise ImportFileError(
            str(self.path), "no header row", "Export the file again with its headers."
        )

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """Records with the line each starts on, even across quoted line breaks."""
        while True:
            start = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    str(self.path),
                    f"unreadable CSV ({exc})",
                    "Check for an unclosed quote on this line, or export it again.",
                    line=start,
                ) from None
            yield start, cells

    def __iter__(self) -> Iterator[Row]:
        for line, cells in self._records():
            if not any(cell.strip() for cell in cells):
                continue
            yield self._row(line, cells)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """`(line, values)` pairs for short lists such as the volunteers' roster,
        where a malformed row stops the read with its line."""
        for row in self:
            if row.problem:
                raise ImportFileError(
                    str(self.path), row.problem, "Fix the row.", line=row.line
                )
            yield row.line, row.values

    def _row(self, line: int, cells: list[str]) -> Row:
        width = len(self.headers)
        extra = cells[width:]
        cells = [_CONTROL.sub(" ", cell).strip() for cell in cells[:width]]
        cells += [""] * (width - len(cells))
        values = dict(zip(self.headers, cells, strict=True))
        if any(cell.strip() for cell in extra):
            name = DELIMITER_NAMES[self.delimiter]
            return Row(
                line,
                values,
                f"the row has {width + len(extra)} cells but the header has "
                f"{width}; a value with a {name} in it needs quotes around it",
            )
        return Row(line, values)

    @property
    def position(self) -> int:
        """Bytes read so far, for a progress bar (ahead by at most a buffer)."""
        return min(self._raw.tell(), self.size)

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# Control characters (a NUL or escape from a broken export) mean nothing in a
# name or a note, and no XML or terminal can carry them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def open_table(path: str | Path, *, delimiter: str | None = None) -> Table:
    """Open an exported table, its encoding and delimiter found out or refused."""
    file = Path(path)
    if not file.is_file():
        raise ImportFileError(str(file), "no such file", "Check the path and name.")

    encoding = detect_encoding(file)
    if delimiter is None:
        delimiter = sniff_delimiter(file, encoding)
    elif delimiter not in DELIMITERS:
        raise ImportFileError(
            str(file),
            f"the delimiter {delimiter!r} is not supported",
            "Pass --delimiter with ',', ';' or tab.",
        )
    logger.debug(
        "reading %s as %s, %s-delimited", file, encoding, DELIMITER_NAMES[delimiter]
    )
    return Table(file, encoding, delimiter)


def detect_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) if every byte decodes as such, else Windows-1252.

    The whole file is checked, in chunks, because one accented name near the
    end is enough to turn a UTF-8 guess into mojibake.
    """
    with path.open("rb") as raw:
        head = raw.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        raw.seek(0)
        if _decodes(raw, "utf-8"):
            return "utf-8-sig"
        raw.seek(0)
        if _decodes(raw, "cp1252"):
            return "cp1252"
    raise ImportFileError(
        str(path),
        "text in an encoding that is neither UTF-8 nor Windows-1252",
        "Save it as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8).",
    )


def _decodes(raw: io.BufferedReader, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := raw.read(CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(path: Path, encoding: str) -> str:
    """Comma, semicolon or tab, by csv.Sniffer, checked against the rows."""
    sample, complete = _sample(path, encoding)
    header = next((line for line in sample.splitlines() if line.strip()), "")
    if not any(d in header for d in DELIMITERS):
        return ","  # a single column, such as a do-not-call list

    try:
        sniffed: str | None = csv.Sniffer().sniff(sample, DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and _consistent(sample, sniffed, complete):
        return sniffed

    fits = [d for d in DELIMITERS if _consistent(sample, d, complete)]
    if len(fits) == 1:
        return fits[0]
    raise ImportFileError(
        str(path),
        "the columns cannot be told apart (no delimiter splits the header and the "
        "rows into the same number of columns)",
        _SAVE_AS_CSV,
    )


def _sample(path: Path, encoding: str) -> tuple[str, bool]:
    """The start of the file, cut at a line end; and whether it is all of it."""
    with path.open("r", encoding=encoding, newline="") as text:
        sample = text.read(SAMPLE_CHARS)
        complete = not text.read(1)
    if not complete and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    return sample, complete


def _consistent(sample: str, delimiter: str, complete: bool) -> bool:
    """Whether the header splits into columns and most rows fit them."""
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    try:
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error:
        return False
    if not complete:
        rows = rows[:-1]  # the cut may have split a quoted field
    if not rows or len(rows[0]) < 2:
        return False
    width = len(rows[0])
    fitting = sum(1 for r in rows[1:] if len(r) == width)
    return fitting * 2 > len(rows) - 1 or len(rows) == 1


def clean_headers(cells: list[str]) -> list[str]:
    """Headers with stray spaces squeezed, blanks named, repeats numbered."""
    headers: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells, start=1):
        name = " ".join(cell.split()) or f"column {index}"
        candidate, count = name, 1
        while candidate.lower() in seen:
            count += 1
            candidate = f"{name} ({count})"
        seen.add(candidate.lower())
        headers.append(candidate)
    return headers


def header_key(header: str) -> str:
    """A header reduced for matching: `Cell Phone`, `cell_phone`, `CELLPHONE`."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def field_name(header: str) -> str:
    """A header as a template-friendly name: `Precinct Name` -> `precinct_name`."""
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_") or "column"


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class RejectsFile:
    """The rejected rows, original columns plus line and reason, for fixing in
    a spreadsheet and importing again; cells are made formula-safe."""

    def __init__(self, path: str | Path | None, headers: list[str]) -> None:
        self._headers = headers
        self._file: TextIO | None = None
        if path is not None:
            # UTF-8 with a BOM, so Excel shows accented names correctly.
            self._file = Path(path).open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow([safe_cell(h) for h in headers + ["line", "reason"]])

    def write(self, row: Row, reason: str) -> None:
        if self._file is None:
            return
        cells = [row.values.get(h, "") for h in self._headers]
        self._writer.writerow([safe_cell(c) for c in cells + [row.line, reason]])

    def __enter__(self) -> RejectsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()
