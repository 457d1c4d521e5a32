"""The ``provld`` command.

Exit codes: 0 success, 1 nothing found (or a validation failure), 2 usage or input
error. Errors are one line on stderr; ``PROVLD_DEBUG=1`` adds the traceback for bug
reports.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, QueryTriples

from provld import __version__, formats
from provld.config import Settings
from provld.documents import Catalogue
from provld.errors import InputError, NotFoundError, ProvldError, ValidationError
from provld.export import export
from provld.iris import check_base
from provld.query import render, run
from provld.store import open_store
from provld.store.base import Backend

#: Profile ``provld load`` checks by default. ``basic`` (W3C PROV structure) lets any PROV
#: document in; ``--profile release`` makes the load the release gate of ProvenanceDM.
LOAD_PROFILE = "basic"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except ProvldError as exc:
        print(f"provld: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("provld: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("PROVLD_DEBUG"):
            traceback.print_exc()
        print(f"provld: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        help="a directory (embedded Oxigraph) or memory: "
        "(default: $PROVLD_STORE, else ./provld-data)",
    )
    common.add_argument("--base-uri", help="base of minted IRIs (default: $PROVLD_BASE_URI)")

    parser = argparse.ArgumentParser(
        prog="provld",
        description="A linked-data provenance store: IVOA ProvenanceDM as PROV-O.",
    )
    parser.add_argument("--version", action="version", version=f"provld {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("load", parents=[common], help="store documents, one named graph each")
    p.add_argument("files", nargs="+", metavar="FILE", help="documents to load ('-' for stdin)")
    p.add_argument("--format", help="format of the files (default: from extension or content)")
    p.add_argument("--graph", help="IRI of the named graph (one file only)")
    p.add_argument(
        "--profile",
        default=LOAD_PROFILE,
        help=f"SHACL profile a document must pass to be stored: basic or release "
        f"(default: {LOAD_PROFILE})",
    )
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="store without SHACL validation (trusted bulk loads)",
    )
    p.set_defaults(func=cmd_load)

    p = sub.add_parser(
        "validate",
        help="SHACL report on documents (exit 1 on a violation)",
        description="Check documents against provld's SHACL shapes. With no FILE and "
        "--store, re-check every stored document.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="documents to check ('-' for stdin)")
    p.add_argument("--format", help="format of the files (default: from extension or content)")
    p.add_argument(
        "--report", choices=("text", "turtle", "json"), default="text", help="report format"
    )
    p.add_argument("--profile", default="release", help="basic or release (default: release)")
    p.add_argument(
        "--store",
        nargs="?",
        const="",
        metavar="STORE",
        help="re-check the documents stored there (default store: $PROVLD_STORE, else "
        "./provld-data)",
    )
    p.add_argument("--base-uri", help="base of minted IRIs (default: $PROVLD_BASE_URI)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", parents=[common], help="run a SPARQL query on the store")
    p.add_argument("sparql", nargs="?", help="the query text")
    p.add_argument("--file", help="read the query from a .rq file")
    p.add_argument(
        "--format",
        help="json, xml, csv, tsv or table for SELECT/ASK (default: table on a terminal, "
        "json otherwise); any RDF or PROV format for CONSTRUCT (default turtle)",
    )
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("export", parents=[common], help="write one document or the whole store")
    p.add_argument("--graph", help="IRI of the document (default: the whole store)")
    p.add_argument("--format", help="output format (default: from -o, else trig or turtle)")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    p.set_defaults(func=cmd_export)

    walk = argparse.ArgumentParser(add_help=False)
    walk.add_argument("ids", nargs="+", metavar="ID", help="IRI, prefixed name or product id")
    walk.add_argument("--direction", default="back", help="back (where it came from) or forth")
    walk.add_argument("--depth", default="all", help="number of relation hops, or all")
    walk.add_argument("--agent", action="store_true", help="follow agents' other work")
    walk.add_argument("--members", action="store_true", help="follow collection members")
    walk.add_argument("--configuration", action="store_true", help="add parameters, config files")

    p = sub.add_parser(
        "lineage", parents=[common, walk], help="the provenance of an entity or activity"
    )
    p.add_argument("--model", default="ivoa", help="ivoa (ProvDM terms) or w3c (plain PROV)")
    p.add_argument("--descriptions", default="0", help="0 none, 1 activity, 2 all descriptions")
    p.add_argument("--format", default="provn", help="output format (default provn)")
    p.set_defaults(func=cmd_lineage)

    p = sub.add_parser("graph", parents=[common, walk], help="draw a provenance graph")
    p.add_argument("--descriptions", default="1", help="0 none, 1 activity (default), 2 all")
    p.add_argument("--format", help="svg, png or dot (default: from -o, else svg)")
    p.add_argument("--limit", type=int, default=40, help="nodes drawn before folding (40)")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("serve", parents=[common], help="run the web server")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    p.add_argument("--demo", action="store_true", help="load the bundled example pipeline first")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("documents", parents=[common], help="list the stored documents")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("remove", parents=[common], help="remove stored documents")
    p.add_argument("graphs", nargs="+", metavar="GRAPH", help="IRIs of the documents")
    p.set_defaults(func=cmd_remove)

    from provld.capture.shell import add_parser as add_capture_parser

    add_capture_parser(sub)  # provld capture [--role-in ROLE=FILE]... -- COMMAND ARGS
    return parser


def _open(args: argparse.Namespace) -> tuple[Backend, Catalogue]:
    settings = Settings.from_env()
    store = open_store(args.store or settings.store, settings.store_options)
    catalogue = Catalogue(store, args.base_uri or settings.base_uri)
    return store, catalogue


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    if path.is_dir():
        raise InputError(f"{name}: is a directory")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None


def cmd_load(args: argparse.Namespace) -> int:
    if args.graph and len(args.files) > 1:
        raise InputError("--graph names one document: give one file")
    if args.format:
        formats.lookup(args.format)  # an unknown format is a usage error before any work
    checker = None
    if not args.no_validate:
        from provld.validate import profile_files, validate

        profile_files(args.profile)  # an unknown profile is a usage error before any work
        checker = functools.partial(validate, profile=args.profile)
    store, catalogue = _open(args)
    failures = invalid = 0
    with store:
        catalogue.recover()
        for name in args.files:
            try:
                data = _read_input(name)
                fmt = formats.guess(
                    option=args.format, path=None if name == "-" else name, content=data
                )
                tty = sys.stderr.isatty()
                if tty:
                    print(f"loading {name} ({fmt.label}, {len(data):,} bytes)...", file=sys.stderr)
                began = time.perf_counter()
                stored = catalogue.load(
                    data,
                    fmt,
                    source=None if name == "-" else name,
                    graph=_iri(args.graph) if args.graph else None,
                    validate=checker,
                )
                if tty:
                    took = time.perf_counter() - began
                    print(f"  {stored.triples:,} triples in {took:.1f} s", file=sys.stderr)
                print(stored.graph.value)
            except ProvldError as exc:
                message = str(exc)
                if not message.startswith(name):
                    message = f"{name}: {message}"
                print(f"provld: error: {message} (nothing stored)", file=sys.stderr)
                if isinstance(exc, ValidationError):
                    invalid += 1
                    if exc.report is not None:
                        sys.stderr.write(exc.report.text())
                else:
                    failures += 1
    return 2 if failures else 1 if invalid else 0


def cmd_validate(args: argparse.Namespace) -> int:
    from provld.ingest import document_quads
    from provld.validate import StoredGraph, profile_files, validate

    profile_files(args.profile)
    if args.format:
        formats.lookup(args.format)
    reports: list[Any] = []
    failures = 0
    if not args.files:
        if args.store is None:
            raise InputError("give files to validate, or --store to re-check stored documents")
        args.store = args.store or None  # "--store" alone: the default store
        store, catalogue = _open(args)
        with store:
            for doc in catalogue.documents():
                name = doc.source and f"{doc.source} ({doc.graph.value})" or doc.graph.value
                report = validate(StoredGraph(store, doc.graph), args.profile, document=name)
                _emit(report, args.report, reports)
        return _finish(reports, args.report, failures)
    for name in args.files:
        try:
            data = _read_input(name)
            fmt = formats.guess(
                option=args.format, path=None if name == "-" else name, content=data
            )
            quads = document_quads(
                data,
                fmt,
                NamedNode("urn:provld:validate"),
                source=name,
                local_base="urn:provld:local:",
            )
            report = validate(quads, args.profile, document=name)
            _emit(report, args.report, reports)
        except ProvldError as exc:
            failures += 1
            message = str(exc)
            if not message.startswith(name):
                message = f"{name}: {message}"
            print(f"provld: error: {message}", file=sys.stderr)
    return _finish(reports, args.report, failures)


def _emit(report: Any, fmt: str, reports: list[Any]) -> None:
    reports.append(report)
    if fmt == "json":
        return  # one JSON document at the end
    if fmt == "text" and len(reports) > 1:
        sys.stdout.write("\n")
    sys.stdout.buffer.write(report.render(fmt))
    sys.stdout.flush()


def _finish(reports: list[Any], fmt: str, failures: int) -> int:
    if fmt == "json":
        body = [r.as_dict() for r in reports]
        print(json.dumps(body[0] if len(body) == 1 else body, indent=2, ensure_ascii=False))
    if failures:
        return 2
    return 0 if all(r.conforms for r in reports) else 1


def cmd_query(args: argparse.Namespace) -> int:
    if args.file:
        sparql = _read_input(args.file).decode("utf-8", errors="replace")
    elif args.sparql:
        sparql = args.sparql
    else:
        raise InputError("give a query, or --file Q.rq")
    store, _ = _open(args)
    with store:
        result = run(store, sparql)
        if isinstance(result, QueryTriples):
            fmt = args.format or "turtle"
        else:
            fmt = args.format or ("table" if sys.stdout.isatty() else "json")
        sys.stdout.buffer.write(render(result, fmt))
        sys.stdout.flush()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    graph = _iri(args.graph) if args.graph else None
    if args.format:
        fmt = formats.lookup(args.format)
    elif args.output:
        fmt = formats.guess(path=args.output)
    else:
        fmt = formats.lookup("turtle" if graph is not None else "trig")
    if not fmt.writable or fmt.kind not in ("rdf", "prov"):
        raise InputError(f"{fmt.label} is not a document format that can be exported")
    store, catalogue = _open(args)
    with store:
        if graph is not None:
            catalogue.require(graph)
        if args.output:
            try:
                with open(args.output, "wb") as out:
                    export(store, fmt, out, graph=graph, exclude=catalogue.graph)
            except OSError as exc:
                raise InputError(f"{args.output}: {exc.strerror or exc}") from None
        else:
            export(store, fmt, sys.stdout.buffer, graph=graph, exclude=catalogue.graph)
            sys.stdout.flush()
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    from provld.export import serialize
    from provld.lineage import walk

    fmt = formats.lookup(args.format)
    if not fmt.writable or fmt.kind not in ("rdf", "prov"):
        raise InputError(f"--format: {fmt.label} is not a format provenance is given in")
    store, catalogue = _open(args)
    with store:
        lineage = walk(store, _walk_options(args), base=catalogue.base)
        sys.stdout.buffer.write(serialize(lineage, fmt))
        sys.stdout.flush()
    return 0 if lineage.nodes else 1


def _walk_options(args: argparse.Namespace) -> Any:
    from provld.lineage import parse_options

    params = [("ID", i) for i in args.ids] + [
        ("DIRECTION", args.direction),
        ("DEPTH", args.depth),
        ("MODEL", getattr(args, "model", "ivoa")),
        ("AGENT", str(args.agent).lower()),
        ("MEMBERS", str(args.members).lower()),
        ("DESCRIPTIONS", args.descriptions),
        ("CONFIGURATION", str(args.configuration).lower()),
    ]
    return parse_options(params)


def cmd_graph(args: argparse.Namespace) -> int:
    from provld.lineage import walk
    from provld.picture import draw

    if args.format:
        fmt = args.format.lower()
    elif args.output:
        fmt = formats.guess(path=args.output).name
    else:
        fmt = "svg"
    if fmt not in ("svg", "png", "dot"):
        raise InputError(f"--format: pictures are svg, png or dot, not {fmt}")
    if fmt == "png" and not args.output and sys.stdout.isatty():
        raise InputError("a PNG picture is not for a terminal: give -o FILE.png")
    if args.limit < 1:
        raise InputError(f"--limit: {args.limit} is not a number of nodes")
    store, catalogue = _open(args)
    with store:
        lineage = walk(store, _walk_options(args), base=catalogue.base)
    if not lineage.nodes:
        print("provld: nothing found for " + " ".join(args.ids), file=sys.stderr)
        return 1
    notes = ["the walk stopped at the depth limit"] if lineage.capped else []
    picture = draw(lineage, fmt, starts=lineage.starts, limit=args.limit, notes=notes)
    if args.output:
        try:
            with open(args.output, "wb") as out:
                out.write(picture)
        except OSError as exc:
            raise InputError(f"{args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.buffer.write(picture)
        sys.stdout.flush()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the web server (werkzeug, threaded: for a workstation; production uses the
    recipe in deploy/)."""
    from werkzeug.serving import run_simple

    from provld.demo_data import load_demo
    from provld.web import create_app

    settings = Settings.from_env()
    overrides = {}
    if args.store:
        overrides["store"] = args.store
    # Minted IRIs must resolve on this server: by default, its own address.
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    base = args.base_uri or (
        settings.base_uri if os.environ.get("PROVLD_BASE_URI") else f"http://{host}:{args.port}/"
    )
    overrides["base_uri"] = check_base(base)
    app = create_app(dataclasses.replace(settings, **overrides))
    if args.demo:
        graph = load_demo(app.extensions["provld.catalogue"])
        print(f"demo pipeline: {graph.value}", file=sys.stderr)
    print(
        f"provld serving {app.config['PROVLD'].store} on http://{args.host}:{args.port}/",
        file=sys.stderr,
    )
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    store, catalogue = _open(args)
    with store:
        docs = catalogue.documents()
        for doc in docs:
            print(
                f"{doc.graph.value}\t{doc.loaded}\t{doc.format}\t{doc.triples}\t{doc.source or ''}"
            )
    return 0 if docs else 1


def cmd_remove(args: argparse.Namespace) -> int:
    store, catalogue = _open(args)
    with store:
        missing = 0
        for name in args.graphs:
            try:
                catalogue.remove(_iri(name))
                print(f"removed {name}")
            except NotFoundError as exc:
                missing += 1
                print(f"provld: error: {exc}", file=sys.stderr)
    return 1 if missing else 0


def _iri(text: str) -> NamedNode:
    try:
        return NamedNode(text)
    except ValueError:
        raise InputError(f"{text!r} is not a valid IRI") from None


if __name__ == "__main__":
    sys.exit(main())
