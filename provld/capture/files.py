"""What capture records about a file: its size, media type, checksum and identity.

Checksums are streamed through one reused buffer with ``readinto``, so hashing runs at
disk (or page cache) speed and holds one megabyte of memory whatever the file's size;
hashlib releases the GIL on large updates, so a file hashed in a worker thread does not
slow the task down. The identity of a file, from which its IRI is minted, is its absolute
path and its checksum (or, without one, its size and modification time): the same bytes at
the same place are the same entity in every run, so the output of one run and the input
of the next meet in the store without any bookkeeping.

>>> media_type("run042.fits.fz"), media_type("dl1/run042.h5"), media_type("x.unknown")
('application/fits', 'application/x-hdf5', 'application/octet-stream')
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

#: Checksum algorithms capture offers (``none`` records size and media type only).
ALGORITHMS = ("sha256", "blake2b", "none")
_BUFFER = 1 << 20  # 1 MiB: past this, bigger reads gain nothing measurable
#: Media types for the formats of astronomy that the mimetypes table lacks or gets wrong
#: (it says image/fits; FITS files are tables as often as images).
ASTRO_TYPES = {
    ".fits": "application/fits",
    ".fit": "application/fits",
    ".fts": "application/fits",
    ".fz": "application/fits",  # fpack tile compression keeps a valid FITS file
    ".h5": "application/x-hdf5",
    ".hdf5": "application/x-hdf5",
    ".he5": "application/x-hdf5",
    ".vot": "application/x-votable+xml",
    ".votable": "application/x-votable+xml",
    ".ecsv": "text/x-ecsv",
    ".parquet": "application/vnd.apache.parquet",
    ".asdf": "application/asdf",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".log": "text/plain",
    ".ttl": "text/turtle",
    ".provn": "text/provenance-notation",
}
_ENCODINGS = {"gzip": "application/gzip", "bzip2": "application/x-bzip2", "xz": "application/x-xz"}


def media_type(path: str | os.PathLike[str]) -> str:
    """The media type of a file, from its name: astronomy's formats first, then the
    system's table, then ``application/octet-stream``."""
    name = os.fspath(path).lower()
    suffix = os.path.splitext(name)[1]
    if suffix in ASTRO_TYPES:
        return ASTRO_TYPES[suffix]
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if encoding is not None:
        return _ENCODINGS.get(encoding, "application/octet-stream")
    return guessed or "application/octet-stream"


def checksum(path: str | os.PathLike[str], algorithm: str = "sha256") -> str:
    """The hex digest of a file's content, read in 1 MiB blocks into one buffer.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     _ = f.write(b"abc"); f.flush()
    ...     checksum(f.name)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.blake2b() if algorithm == "blake2b" else hashlib.sha256()
    buffer = bytearray(_BUFFER)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        if hasattr(os, "posix_fadvise"):
            try:  # tell the kernel to read ahead aggressively: one pass, front to back
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except OSError:
                pass
        update, readinto = digest.update, f.readinto
        while True:
            n = readinto(buffer)
            if not n:
                break
            update(view[:n] if n < _BUFFER else buffer)
    return digest.hexdigest()


@dataclass(slots=True)
class FileFacts:
    """What was found out about one file. ``error`` says why something is missing."""

    path: str
    size: int | None = None
    mtime_ns: int | None = None
    media_type: str = "application/octet-stream"
    algorithm: str | None = None
    digest: str | None = None
    error: str | None = None

    @property
    def key(self) -> str:
        """The identity of the file: where it is and what it holds."""
        if self.digest is not None:
            return f"{self.path}#{self.algorithm}:{self.digest}"
        if self.size is not None:
            return f"{self.path}#size={self.size};mtime={self.mtime_ns}"
        return self.path


def examine(path: str, algorithm: str = "sha256", limit: int | None = None) -> FileFacts:
    """Size, media type and (unless ``algorithm`` is ``none`` or the file is bigger than
    ``limit`` bytes) the checksum of the file at the absolute ``path``. Never raises: a
    file that cannot be read is described as far as it can be, with the reason."""
    facts = FileFacts(path, media_type=media_type(path))
    try:
        st = os.stat(path)
    except OSError as exc:
        facts.error = f"{path}: {exc.strerror or exc}"
        return facts
    facts.size, facts.mtime_ns = st.st_size, st.st_mtime_ns
    if algorithm == "none" or not Path(path).is_file():
        return facts
    if limit is not None and st.st_size > limit:
        return facts  # too big to read again: size and time identify it
    try:
        facts.digest = checksum(path, algorithm)
        facts.algorithm = algorithm
    except OSError as exc:
        facts.error = f"{path}: {exc.strerror or exc}"
    return facts


def parse_size(text: str) -> int | None:
    """A byte count from ``512M``, ``4G``, ``1.5T`` or a plain number; empty, ``0`` or
    ``none`` mean no limit.

    >>> parse_size("512M"), parse_size("2g"), parse_size("1000"), parse_size("none")
    (536870912, 2147483648, 1000, None)
    """
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    if text in ("", "0", "none", "unlimited"):
        return None
    factor = 1
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    if text[-1:] in units:
        factor = units[text[-1]]
        text = text[:-1]
    return int(float(text) * factor)
