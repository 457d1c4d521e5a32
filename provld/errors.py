"""The exceptions of provld, one tree for every layer.

::

    ProvldError                 anything provld refuses or fails at
    ├── InputError              the user's input cannot be used (exit 2, HTTP 400)
    │   ├── ParseError          a document is malformed: file, line, column
    │   ├── FormatError         a format is unknown, or cannot be read or written here
    │   ├── TooLargeError       a document exceeds a configured size (HTTP 413)
    │   └── QueryError          a SPARQL query is malformed or not allowed
    ├── NotFoundError           no such document, resource or graph (exit 1, HTTP 404)
    ├── ValidationError         a document breaks the shapes; carries the report (HTTP 422)
    └── StoreError              the store failed or cannot be reached: which and why (HTTP 503)

Exceptions of rdflib, pyoxigraph, prov and requests are translated into these at the
boundary where they are called (see :func:`translate`), so that nothing above the domain
ever sees a foreign exception.
"""

from __future__ import annotations

from typing import Any


class ProvldError(Exception):
    """Base of every error provld raises on purpose."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(ProvldError):
    """The input cannot be used as given."""


class ParseError(InputError):
    """A document is malformed. ``source`` is a file name or a description of the input.

    >>> str(ParseError("expected ')'", source="run.provn", line=3, column=14))
    "run.provn:3:14: expected ')'"
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.reason = message
        self.source = source
        self.line = line
        self.column = column
        where = source or "<input>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class FormatError(InputError):
    """A format is unknown, or the content matches no format that can be read."""


class TooLargeError(InputError):
    """A document is bigger than the configured limit."""


class QueryError(InputError):
    """A SPARQL query is malformed or refused."""


class NotFoundError(ProvldError):
    """Nothing is stored under the name that was asked for."""

    exit_code = 1


class ValidationError(ProvldError):
    """A document does not conform to the shapes; ``report`` says how."""

    exit_code = 1

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class StoreError(ProvldError):
    """The store failed: ``store`` names it, the message says why."""

    def __init__(self, message: str, store: str | None = None) -> None:
        super().__init__(f"store {store}: {message}" if store else message)
        self.store = store


class DrawingError(ProvldError):
    """graphviz is missing, or could not draw a picture."""


def translate(exc: BaseException, *, source: str | None = None) -> ProvldError:
    """Turn an exception of a library provld uses into a :class:`ProvldError`.

    >>> import pyoxigraph
    >>> try:
    ...     list(pyoxigraph.parse(b"<http://a> <http://b> .", pyoxigraph.RdfFormat.N_TRIPLES))
    ... except Exception as e:
    ...     err = translate(e, source="x.nt")
    >>> type(err).__name__, err.line
    ('ParseError', 1)
    """
    if isinstance(exc, ProvldError):
        return exc
    if isinstance(exc, SyntaxError):
        # pyoxigraph's parse errors are SyntaxError with lineno/offset (1-based).
        reason = exc.msg or str(exc)
        return ParseError(reason, source=source, line=exc.lineno, column=exc.offset)
    if isinstance(exc, UnicodeDecodeError):
        return ParseError(f"not valid UTF-8 at byte {exc.start}", source=source)
    if isinstance(exc, MemoryError):
        return TooLargeError(f"{source or 'input'}: too large to process in memory")
    module = type(exc).__module__.split(".")[0]
    if module == "requests":
        return StoreError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, OSError):
        what = exc.filename or source or "file"
        return InputError(f"{what}: {exc.strerror or exc}")
    if module in {"rdflib", "prov", "pyshacl", "pyoxigraph", "json", "xml"} or isinstance(
        exc, ValueError
    ):
        return ParseError(str(exc) or type(exc).__name__, source=source)
    return ProvldError(f"{type(exc).__name__}: {exc}")
