"""Reading a user's table file: the one place that turns unreadable files into clear errors.

Every loader of user data (``econhubs.data.load_cprs2007``, ``econhubs.empirics.load_panel``) reads
through :func:`read_table`, which refuses, naming the file and the rule: a missing file, an empty
file, a binary file (e.g. a PNG renamed ``.csv``), text that is not UTF-8, a file pandas cannot parse,
a header-only file and missing columns. :func:`pick_file` finds the one file of a table in a folder
and refuses ambiguity (``x.csv`` beside ``x.csv.gz``). Row numbers in every validation message are
data rows counted from 1, header excluded (:func:`data_rows`); the CSV line is that number + 1.
"""

from __future__ import annotations

import gzip
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

_MAGIC = {b"\x89PNG": "a PNG image", b"%PDF": "a PDF document", b"PK\x03\x04": "a zip archive (xlsx?)",
          b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image"}


def data_rows(positions, max_show: int = 5) -> str:
    """``"data row 8"`` or ``"data rows 3, 8, ... (12 rows)"`` for 0-based positions (or a mask)."""
    pos = np.asarray(positions)
    if pos.dtype == bool:
        pos = np.flatnonzero(pos)
    r = [int(p) + 1 for p in np.ravel(pos)]
    if len(r) == 1:
        return f"data row {r[0]}"
    more = f", ... ({len(r)} rows)" if len(r) > max_show else ""
    return "data rows " + ", ".join(str(k) for k in r[:max_show]) + more


def pick_file(directory: str | Path, stem: str, suffixes: Sequence[str] = (".csv", ".csv.gz", ".parquet")) -> Path:
    """The one file ``<stem><suffix>`` in ``directory``; an error when none or several exist."""
    d = Path(directory)
    found = [d / f"{stem}{s}" for s in suffixes if (d / f"{stem}{s}").is_file()]
    if not found:
        raise FileNotFoundError(f"{d}: missing table {stem} (looked for {', '.join(stem + s for s in suffixes)})")
    if len(found) > 1:
        raise ValueError(f"{d}: ambiguous table {stem}: {' and '.join(p.name for p in found)} both exist "
                         "(rule: one file per table; remove or rename all but the one to read)")
    return found[0]


def _head(path: Path, n: int = 4096) -> bytes:
    with open(path, "rb") as fh:
        raw = fh.read(n)
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        except (OSError, EOFError) as e:
            raise ValueError(f"{path}: a corrupt gzip file ({e})") from None
    return raw


def _check_text(path: Path) -> None:
    head = _head(path)
    if not head.strip():
        raise ValueError(f"{path}: the file is empty (rule: a header line, then data rows)")
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise ValueError(f"{path}: not a CSV text file: it is {what}")
    if b"\x00" in head:
        raise ValueError(f"{path}: not a CSV text file (binary content: NUL bytes)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not just a multi-byte character cut at the end of the sample
            raise ValueError(f"{path}: not UTF-8 text (byte {e.start}); save the CSV as UTF-8") from None


def read_table(path: str | Path, columns: Sequence[str] = (), *, dtype=None, what: str = "table") -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``) or parquet file into a DataFrame, or raise a clear error.

    ``columns``: required column names (others are kept). ``dtype``: passed to ``pd.read_csv``
    (``str`` keeps every cell as text so that validators can name non-numeric cells).
    Errors: ``FileNotFoundError`` for a missing file, ``ValueError`` (message starts with the path)
    for everything else.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: {what} file not found")
    if p.suffix == ".parquet":
        if importlib.util.find_spec("pyarrow") is None:
            raise ImportError(f"{p}: reading parquet needs pyarrow (pip install pyarrow), or convert it to CSV")
        df = pd.read_parquet(p)
    else:
        _check_text(p)
        try:
            df = pd.read_csv(p, dtype=dtype, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            raise ValueError(f"{p}: the file is empty (rule: a header line, then data rows)") from None
        except pd.errors.ParserError as e:
            raise ValueError(f"{p}: not a well-formed CSV ({str(e).strip()})") from None
        except UnicodeDecodeError as e:
            raise ValueError(f"{p}: not UTF-8 text (byte {e.start}); save the CSV as UTF-8") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{p}: missing column(s) {missing}; expected {list(columns)}, have {list(df.columns)}")
    if len(df) == 0:
        raise ValueError(f"{p}: header only, no data rows (rule: at least one data row)")
    return df
