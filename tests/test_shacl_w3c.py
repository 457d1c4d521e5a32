"""The W3C SHACL test suite, run against provld's default validation engine.

provld's engine compiles shapes to SPARQL where it can and hands the rest to pyshacl
(:func:`provld.validate.check_shapes`); each test says which engine ran it. A test passes
when the engine agrees with the expected report: the same ``sh:conforms`` and the same
set of results, compared on focus node, path, value, severity, constraint component and
source shape (messages are not compared; blank nodes are compared as "some blank node",
since their labels differ between graphs). Tests whose expected result is ``sht:Failure``
pass when the engine raises an error.

Score measured here (see README): 108 of the 120 tests pass; the 12 others are listed in
:data:`EXPECTED_FAILURES` with what was seen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import RdfFormat, parse
from rdflib import RDF
from rdflib.collection import Collection

from provld.errors import ProvldError
from provld.validate import check_shapes

SUITE = Path(__file__).resolve().parents[2] / "shared" / "data" / "testsuites" / "shacl-w3c"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Tests the default engine does not pass (measured: 108 of the 120 pass). Which engine ran
#: is what :func:`check_shapes` chose: provld's compiler, or pyshacl for shapes it refuses.
#: The reasons below are what was seen, not all investigated to the root.
EXPECTED_FAILURES: dict[str, str] = {
    "core/misc/severity-002": "a sh:severity that is not an IRI: results differ",
    "core/node/node-001": "pyshacl (sh:node): results differ from the expected report",
    "core/property/node-001": "pyshacl (sh:node): results differ from the expected report",
    "core/property/node-002": "pyshacl (sh:node): results differ from the expected report",
    "core/property/uniqueLang-002": "pyshacl (sh:uniqueLang false): results differ",
    "sparql/component/validator-001": "pyshacl (SPARQL-based component): results differ",
    "sparql/node/prefixes-001": "sh:prefixes declared through owl:imports are not followed",
    "sparql/pre-binding/pre-binding-002": "pyshacl ($PATH/$currentShape pre-binding)",
    "sparql/pre-binding/pre-binding-003": "pyshacl ($PATH/$currentShape pre-binding)",
    "sparql/pre-binding/pre-binding-005": "pyshacl ($PATH/$currentShape pre-binding)",
    "sparql/pre-binding/pre-binding-007": "the query is refused (a VALUES clause) where the "
    "suite expects it to run",
    "sparql/pre-binding/shapesGraph-001": "$shapesGraph is not supported (SHACL makes it optional)",
}
#: Set PROVLD_W3C_ALL=1 to run the expected failures too.
RUN_ALL = bool(os.environ.get("PROVLD_W3C_ALL"))


def _tests() -> list[tuple[str, Path, rdflib.term.Node]]:
    if not SUITE.exists():
        return []
    found = []
    for manifest in sorted(SUITE.rglob("manifest.ttl")):
        g = rdflib.Graph().parse(manifest, publicID=manifest.as_uri())
        for included in sorted(g.objects(None, MF.include), key=str):
            path = Path(str(included).removeprefix("file://"))
            if path.name == "manifest.ttl" or not path.exists():
                continue
            test = rdflib.Graph().parse(path, publicID=path.as_uri())
            for head in test.objects(None, MF.entries):
                for entry in Collection(test, head):
                    rel = str(path.relative_to(SUITE).with_suffix(""))
                    found.append((rel, path, entry))
    return found


TESTS = _tests()


def _key(g: rdflib.Graph, node: rdflib.term.Node) -> tuple[str, ...]:
    def show(term: rdflib.term.Node | None) -> str:
        if term is None:
            return ""
        if isinstance(term, rdflib.BNode):
            return "_:"
        if isinstance(term, rdflib.Literal):
            if term.language:
                return f"{term}|{RDF.langString}|{term.language.lower()}"
            return f"{term}|{term.datatype or XSD_STRING}|None"
        return str(term)

    return (
        show(g.value(node, SH.focusNode)),
        show(g.value(node, SH.resultPath))
        if not isinstance(g.value(node, SH.resultPath), rdflib.BNode)
        else "_:",
        show(g.value(node, SH.value)),
        show(g.value(node, SH.resultSeverity)),
        show(g.value(node, SH.sourceConstraintComponent)),
        show(g.value(node, SH.sourceShape)),
    )


def _result_key(r: object) -> tuple[str, ...]:
    def show(term: object) -> str:
        if term is None:
            return ""
        kind = type(term).__name__
        if kind == "BlankNode":
            return "_:"
        if kind == "Literal":
            lang = term.language  # type: ignore[attr-defined]
            return f"{term.value}|{term.datatype.value}|{lang.lower() if lang else None}"  # type: ignore[attr-defined]
        return term.value  # type: ignore[attr-defined]

    path = r.path_node.value if r.path_node is not None else ("_:" if r.path else "")  # type: ignore[attr-defined]
    return (
        show(r.focus),  # type: ignore[attr-defined]
        path,
        show(r.value),  # type: ignore[attr-defined]
        "http://www.w3.org/ns/shacl#" + r.severity,  # type: ignore[attr-defined]
        r.component.value,  # type: ignore[attr-defined]
        show(r.source_shape or r.shape),  # type: ignore[attr-defined]
    )


def _normalise(key: tuple[str, ...]) -> tuple[str, ...]:
    return key


@pytest.mark.skipif(not TESTS, reason=f"W3C SHACL suite not available at {SUITE}")
@pytest.mark.parametrize("rel, path, entry", TESTS, ids=[t[0] for t in TESTS])
def test_w3c(rel: str, path: Path, entry: rdflib.term.Node) -> None:
    if rel in EXPECTED_FAILURES and not RUN_ALL:
        pytest.xfail(EXPECTED_FAILURES[rel])
    manifest = rdflib.Graph().parse(path, publicID=path.as_uri())
    action = manifest.value(entry, MF.action)
    expected = manifest.value(entry, MF.result)
    data_doc = manifest.value(action, SHT.dataGraph)
    shapes_doc = manifest.value(action, SHT.shapesGraph)
    g = manifest
    data_path = Path(str(data_doc).removeprefix("file://"))
    shapes_path = Path(str(shapes_doc).removeprefix("file://"))
    if shapes_path != path:
        g = rdflib.Graph().parse(shapes_path, publicID=shapes_path.as_uri())
    triples = list(parse(path=str(data_path), format=RdfFormat.TURTLE, base_iri=data_path.as_uri()))
    if expected == SHT.Failure:
        with pytest.raises((ProvldError, Exception)):
            check_shapes(triples, g)
        return
    results, _engine = check_shapes(triples, g)
    want_conforms = manifest.value(expected, SH.conforms).toPython()  # type: ignore[union-attr]
    assert (not results) == want_conforms
    want = {_normalise(_key(manifest, r)) for r in manifest.objects(expected, SH.result)}
    got = {_normalise(_result_key(r)) for r in results}
    assert got == want


def test_the_suite_is_there_and_counted() -> None:
    if not TESTS:
        pytest.skip(f"W3C SHACL suite not available at {SUITE}")
    # SOURCES.md counts 121; the manifests list 120 test entries (one file, datatype-ill-formed,
    # keeps its data in a second file that is no test of its own).
    assert len(TESTS) >= 120
    assert all(name in {t[0] for t in TESTS} for name in EXPECTED_FAILURES)


def test_which_engine_runs_the_suite() -> None:
    """Record how many tests provld's compiled engine runs itself (the rest: pyshacl)."""
    if not TESTS:
        pytest.skip(f"W3C SHACL suite not available at {SUITE}")
    compiled = 0
    for _, path, _ in TESTS:
        g = rdflib.Graph().parse(path, publicID=path.as_uri())
        try:
            _, engine = check_shapes([], g)
        except Exception:  # noqa: BLE001 - an expected-Failure test
            continue
        compiled += engine == "provld"
    assert compiled >= 40
