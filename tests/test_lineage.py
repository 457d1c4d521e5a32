"""The lineage walk on a hand-checked pipeline (tests/data/lineage/pipeline.provn, drawn in
its header): exact nodes and relations for each direction and depth, cycles, the options,
their parsing, identifiers, MODEL=W3C read by the plain ``prov`` package, and real data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import prov.model
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode

from provld import formats
from provld.documents import Catalogue
from provld.errors import InputError, NotFoundError
from provld.export import serialize
from provld.lineage import (
    LINKS,
    MAX_DEPTH,
    QUALIFIED,
    Direction,
    Lineage,
    LineageOptions,
    Model,
    parse_options,
    resolve_id,
    walk,
)
from provld.model import PROV, RDF, VOPROV
from provld.store import open_store
from provld.store.base import Backend
from provld.vocab import RDF_TYPE

from .conftest import BASE, DATA, shared

EX = "http://example.org/lineage/"
PREFIXES = {"ex": EX}
SHORT = {EX: "", PROV: "", VOPROV: "", RDF: "", "https://provenance.cta-observatory.org/id/": ""}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    backend = open_store(str(tmp_path_factory.mktemp("lineage") / "store"))
    path = DATA / "lineage" / "pipeline.provn"
    Catalogue(backend, BASE).load(path.read_bytes(), formats.lookup("provn"), source=path.name)
    yield backend
    backend.close()


def _short(term: object) -> str:
    text = term.value if isinstance(term, NamedNode) else str(term)
    for ns, short in SHORT.items():
        if text.startswith(ns):
            return short + text[len(ns) :]
    return text


def _walk(store: Backend, ids: str | tuple[str, ...], **options: object) -> Lineage:
    ids = (ids,) if isinstance(ids, str) else ids
    opts = LineageOptions(tuple(f"ex:{i}" for i in ids), **options)  # type: ignore[arg-type]
    return walk(store, opts, base=BASE, prefixes=PREFIXES)


def _text(term: object) -> str:
    """The lexical form of a literal (the value of an IRI)."""
    assert isinstance(term, NamedNode | Literal)
    return term.value


def nodes(lineage: Lineage) -> set[str]:
    """The nodes walked or shown (agents included, descriptions not)."""
    return {_short(n) for n in lineage.nodes}


def relations(lineage: Lineage) -> set[str]:
    """The plain relation triples of the result, as ``subject relation object``."""
    return {
        f"{_short(t.subject)} {_short(t.predicate)} {_short(t.object)}"
        for t in lineage
        if t.predicate in LINKS
    }


def subjects(lineage: Lineage) -> set[str]:
    """What the result describes, qualified-relation nodes apart."""
    qualified = {t.object for t in lineage if t.predicate in QUALIFIED}
    return {
        _short(t.subject)
        for t in lineage
        if isinstance(t.subject, NamedNode) and t.subject not in qualified
    }


# -- the walk, by direction and depth ------------------------------------------------------

CATALOG_0 = {"catalog wasAttributedTo alice"}
CATALOG_1 = CATALOG_0 | {
    "catalog wasGeneratedBy publish",
    "catalog wasDerivedFrom stacked",
    "publish used stacked",
    "publish wasAssociatedWith pipeline",
    "pipeline actedOnBehalfOf alice",  # both agents are shown, so their delegation is too
}
CATALOG_2 = CATALOG_1 | {
    "stacked wasGeneratedBy stack",
    "stacked wasDerivedFrom cal_set",
    "stack used cal_set",
    "stack wasAssociatedWith alice",
}
RAW1_0 = {"raw1 wasAttributedTo bob"}
RAW1_1 = RAW1_0 | {
    "calibrate1 used raw1",
    "cal1 wasDerivedFrom raw1",
    "cal1 wasGeneratedBy calibrate1",
    "calibrate1 wasAssociatedWith pipeline",
}
RAW1_2 = RAW1_1 | {
    "calibrate1 wasInformedBy calibrate2",
    "calibrate2 wasInformedBy calibrate1",
    "calibrate2 wasAssociatedWith pipeline",
}
RAW1_3 = RAW1_2 | {"cal2 wasGeneratedBy calibrate2"}

WALKS = [
    # start, direction, depth, nodes, relations, truncated
    ("catalog", "BACK", 0, {"catalog", "alice"}, CATALOG_0, True),
    ("catalog", "BACK", 1, {"catalog", "publish", "stacked", "alice", "pipeline"}, CATALOG_1, True),
    (
        "catalog",
        "BACK",
        2,
        {"catalog", "publish", "stacked", "alice", "pipeline", "stack", "cal_set"},
        CATALOG_2,
        False,
    ),
    (
        "catalog",
        "BACK",
        None,
        {"catalog", "publish", "stacked", "alice", "pipeline", "stack", "cal_set"},
        CATALOG_2,
        False,
    ),
    ("raw1", "FORTH", 0, {"raw1", "bob"}, RAW1_0, True),
    ("raw1", "FORTH", 1, {"raw1", "bob", "calibrate1", "cal1", "pipeline"}, RAW1_1, True),
    (
        "raw1",
        "FORTH",
        2,
        {"raw1", "bob", "calibrate1", "cal1", "pipeline", "calibrate2"},
        RAW1_2,
        True,
    ),
    (
        "raw1",
        "FORTH",
        None,
        {"raw1", "bob", "calibrate1", "cal1", "pipeline", "calibrate2", "cal2"},
        RAW1_3,
        False,
    ),
]


@pytest.mark.parametrize(
    ("start", "direction", "depth", "expected_nodes", "expected_relations", "truncated"),
    WALKS,
    ids=[f"{w[0]}-{w[1].lower()}-{'all' if w[2] is None else w[2]}" for w in WALKS],
)
def test_walk_by_direction_and_depth(
    store: Backend,
    start: str,
    direction: str,
    depth: int | None,
    expected_nodes: set[str],
    expected_relations: set[str],
    truncated: bool,
) -> None:
    lineage = _walk(store, start, direction=direction, depth=depth)
    assert nodes(lineage) == expected_nodes
    assert relations(lineage) == expected_relations
    assert lineage.truncated is truncated
    # every node returned is described, and nothing else is
    assert subjects(lineage) == expected_nodes


def test_depths_count_hops_from_the_nearest_start(store: Backend) -> None:
    lineage = _walk(store, "catalog")
    depths = {_short(n): d for n, d in lineage.nodes.items()}
    assert depths == {
        "catalog": 0,
        "publish": 1,
        "stacked": 1,
        "alice": 1,
        "pipeline": 2,
        "stack": 2,
        "cal_set": 2,
    }


def test_every_node_is_described(store: Backend) -> None:
    lineage = _walk(store, "catalog", depth=2)
    assert subjects(lineage) >= nodes(lineage)
    labels = {
        _short(t.subject): _text(t.object) for t in lineage if t.predicate.value.endswith("#label")
    }
    assert labels["alice"] == "Alice" and labels["catalog"] == "source catalogue"


def test_qualified_nodes_come_with_the_relations_returned(store: Backend) -> None:
    qualified = NamedNode(EX + "calibrate1/u-raw")
    at_0 = _walk(store, "raw1", direction="FORTH", depth=0)
    at_1 = _walk(store, "raw1", direction="FORTH", depth=1)
    assert all(t.subject != qualified for t in at_0)
    usage = {_short(t.predicate): _short(t.object) for t in at_1 if t.subject == qualified}
    assert usage == {
        "type": "Usage",
        "entity": "raw1",
        "atTime": '"2024-01-01T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
        "role": '"raw"',
        # its description is not asked for (DESCRIPTIONS=0), so the link is left out
    }
    # the blank qualified association of calibrate1 and attribution of raw1, with roles
    roles = {
        _text(t.object)
        for t in at_1
        if isinstance(t.subject, BlankNode) and t.predicate.value == VOPROV + "role"
    }
    assert roles == {"executor", "observer"}


def test_cycles_end(store: Backend) -> None:
    lineage = _walk(store, "calibrate1")
    assert nodes(lineage) == {"calibrate1", "pipeline", "raw1", "flat", "calibrate2", "raw2", "bob"}
    assert {"calibrate1 wasInformedBy calibrate2", "calibrate2 wasInformedBy calibrate1"} <= (
        relations(lineage)
    )
    assert not lineage.truncated


def test_several_ids(store: Backend) -> None:
    lineage = _walk(store, ("raw1", "raw2"), depth=0)
    assert nodes(lineage) == {"raw1", "raw2", "bob"}
    assert [_short(s) for s in lineage.starts] == ["raw1", "raw2"]


def test_the_catalogue_is_never_part_of_a_lineage(store: Backend) -> None:
    lineage = _walk(store, "catalog", agent=True, members=True, configuration=True)
    assert not any(str(t.subject).startswith(f"<{BASE}") for t in lineage)
    assert not any("w3id.org/provld" in str(t.predicate) for t in lineage)


def test_a_stored_document_named_in_another_is_not_followed_into_the_catalogue() -> None:
    backend = open_store("memory:")
    catalogue = Catalogue(backend, BASE)
    first = catalogue.load(b"<http://ex.org/a> a <http://www.w3.org/ns/prov#Entity> .",
                           formats.lookup("turtle")).graph  # fmt: skip
    # the catalogue says: first prov:wasGeneratedBy <its load activity>
    turtle = f"<http://ex.org/report> <{PROV}wasDerivedFrom> {first} ."
    catalogue.load(turtle.encode(), formats.lookup("turtle"))
    lineage = walk(backend, LineageOptions(("http://ex.org/report",), agent=True), base=BASE)
    assert set(lineage.nodes) == {NamedNode("http://ex.org/report"), first}
    assert [str(t) for t in lineage] == [f"<http://ex.org/report> <{PROV}wasDerivedFrom> {first}"]


# -- options ----------------------------------------------------------------------------------


def test_members_follow_collections(store: Backend) -> None:
    back = _walk(store, "stacked", members=True)
    assert nodes(back) == {
        "stacked", "stack", "cal_set", "alice", "cal1", "cal2",
        "calibrate1", "calibrate2", "raw1", "raw2", "flat", "pipeline", "bob",
    }  # fmt: skip
    assert {"cal_set hadMember cal1", "cal_set hadMember cal2"} <= relations(back)
    without = _walk(store, "stacked")
    assert nodes(without) == {"stacked", "stack", "cal_set", "alice"}
    assert not any("hadMember" in r for r in relations(without))
    forth = _walk(store, "raw1", direction="FORTH", members=True)
    assert {_short(n): d for n, d in forth.nodes.items()} == {
        "raw1": 0, "bob": 1, "calibrate1": 1, "cal1": 1, "pipeline": 2, "calibrate2": 2,
        "cal_set": 2, "cal2": 3, "stack": 3, "stacked": 3, "alice": 4, "publish": 4,
        "catalog": 4,
    }  # fmt: skip


def test_configuration_follows_parameters_and_config_files(store: Backend) -> None:
    base = {"cal1", "calibrate1", "raw1", "pipeline", "bob", "flat", "calibrate2"}
    without = _walk(store, "cal1", depth=2)
    assert nodes(without) == base
    assert not any("wasConfiguredBy" in r for r in relations(without))
    assert not any(t.predicate.value == VOPROV + "qualifiedConfiguration" for t in without)
    with_config = _walk(store, "cal1", depth=2, configuration=True)
    assert nodes(with_config) == base | {"calibrate1/threshold"}
    assert "calibrate1 wasConfiguredBy calibrate1/threshold" in relations(with_config)
    artefact = {_text(t.object) for t in with_config if t.predicate.value.endswith("artefactType")}
    assert artefact == {"Parameter"}
    forth = _walk(store, "stack/cfg", direction="FORTH", configuration=True, depth=1)
    assert nodes(forth) == {"stack/cfg", "stack", "alice"}
    assert _walk(store, "stack/cfg", direction="FORTH", depth=1).truncated is False


def test_agent_follows_the_agents_other_responsibilities(store: Backend) -> None:
    lineage = _walk(store, "catalog", agent=True)
    assert {_short(n): d for n, d in lineage.nodes.items()} == {
        "catalog": 0, "publish": 1, "stacked": 1, "alice": 1, "pipeline": 2, "stack": 2,
        "cal_set": 2, "observatory": 2, "calibrate1": 3, "calibrate2": 3, "bob": 3,
        "raw1": 4, "flat": 4, "raw2": 4,
    }  # fmt: skip
    assert {
        "alice actedOnBehalfOf observatory",
        "bob actedOnBehalfOf observatory",
        "pipeline actedOnBehalfOf alice",
    } <= relations(lineage)
    # one hop less: the same nodes as without AGENT, plus the observatory alice acts for
    assert nodes(_walk(store, "catalog", agent=True, depth=2)) == nodes(
        _walk(store, "catalog", depth=2)
    ) | {"observatory"}


def test_an_agent_id_is_walked_through_its_responsibilities(store: Backend) -> None:
    lineage = _walk(store, "pipeline")
    assert nodes(lineage) == {
        "pipeline", "calibrate1", "calibrate2", "publish", "alice", "raw1", "flat", "raw2",
        "stacked", "bob", "stack", "cal_set",
    }  # fmt: skip
    assert "alice actedOnBehalfOf observatory" not in relations(lineage)
    assert nodes(_walk(store, "bob", depth=1)) == {"bob", "raw1", "raw2", "observatory"}


DESCRIPTIONS_1 = {
    "calibrate1 activityDescription calibration",
    "calibrate2 activityDescription calibration",  # calibrate1's informant, 1 hop away
}
DESCRIPTIONS_2 = DESCRIPTIONS_1 | {
    "calibration hasUsageDescription calibration/usage/raw",
    "calibration hasGenerationDescription calibration/generation/calibrated",
    "calibration hasParameterDescription calibration/param/threshold",
    "calibration/usage/raw expectedEntityDescription desc/raw",
    "calibration/generation/calibrated expectedEntityDescription desc/calibrated",
    "raw1 entityDescription desc/raw",
    "calibrate1/u-raw usageDescription calibration/usage/raw",  # on the qualified usage
}


@pytest.mark.parametrize(
    ("level", "links", "described"),
    [
        (0, set(), set()),
        (1, DESCRIPTIONS_1, {"calibration"}),
        (
            2,
            DESCRIPTIONS_2,
            {
                "calibration",
                "calibration/usage/raw",
                "calibration/generation/calibrated",
                "calibration/param/threshold",
                "desc/raw",
                "desc/calibrated",
            },
        ),
    ],
)
def test_descriptions(store: Backend, level: int, links: set[str], described: set[str]) -> None:
    lineage = _walk(store, "calibrate1", depth=1, descriptions=level)
    found = {r for r in relations(lineage) if "escription" in r}
    assert found == links
    assert subjects(lineage) - nodes(lineage) == described
    usage = NamedNode(EX + "calibrate1/u-raw")
    link = {_short(t.object) for t in lineage if t.subject == usage and "Description" in str(t)}
    assert link == ({"calibration/usage/raw"} if level == 2 else set())
    # descriptions are not hops
    assert nodes(lineage) == {"calibrate1", "pipeline", "raw1", "flat", "calibrate2", "bob"}


def test_configuration_with_descriptions(store: Backend) -> None:
    lineage = _walk(store, "stack", depth=1, configuration=True, descriptions=2)
    assert {
        "stack wasConfiguredBy stack/cfg",
        "stack activityDescription stacking",
        "stacking hasConfigFileDescription stacking/config",
        "stack/cfg configFileDescription stacking/config",
    } <= relations(lineage)


# -- option parsing ---------------------------------------------------------------------------


def test_parse_options_defaults_and_case() -> None:
    options = parse_options({"id": "ex:a"})
    assert options == LineageOptions(("ex:a",))
    assert options.direction is Direction.BACK and options.depth is None
    assert options.model is Model.IVOA and options.limit == MAX_DEPTH
    options = parse_options(
        [
            ("Id", "a"),
            ("ID", "b"),
            ("depth", "3"),
            ("direction", "forward"),
            ("Model", "w3c"),
            ("agent", "TRUE"),
            ("members", "1"),
            ("descriptions", "2"),
            ("configuration", "true"),
            ("RESPONSEFORMAT", "PROV-JSON"),
        ],
        extra=["responseformat"],
    )
    assert options == LineageOptions(("a", "b"), Direction.FORTH, 3, True, True, 2, True, Model.W3C)
    assert parse_options({"ID": ["x", "y"], "DIRECTION": "Back", "DEPTH": "ALL"}).ids == (
        "x",
        "y",
    )
    assert parse_options({"ID": "x", "AGENT": "0", "DESCRIPTIONS": "false"}).agent is False
    assert parse_options({"ID": "x", "DEPTH": "all"}, max_depth=5).limit == 5


@pytest.mark.parametrize(
    ("params", "named", "why"),
    [
        ({"ID": "x", "COLOUR": "red"}, "COLOUR", "unknown parameter"),
        ({"DEPTH": "1"}, "ID", "required"),
        ({"ID": ""}, "ID", "empty"),
        ({"ID": ["x", " "]}, "ID", "empty"),
        ({"ID": "x", "DEPTH": "deep"}, "DEPTH", "not a number"),
        ({"ID": "x", "DEPTH": "-2"}, "DEPTH", "negative"),
        ({"ID": "x", "DEPTH": "1_0"}, "DEPTH", "not a number"),
        ({"ID": "x", "DEPTH": "2.5"}, "DEPTH", "not a number"),
        ({"ID": "x", "DEPTH": "51"}, "DEPTH", "maximum"),
        ({"ID": "x", "DEPTH": ["1", "2"]}, "DEPTH", "given 2 times"),
        ({"ID": "x", "DIRECTION": "up"}, "DIRECTION", "not BACK or FORTH"),
        ({"ID": "x", "MODEL": "ProvDM"}, "MODEL", "not IVOA or W3C"),
        ({"ID": "x", "AGENT": "yes"}, "AGENT", "not a boolean"),
        ({"ID": "x", "MEMBERS": "2"}, "MEMBERS", "not a boolean"),
        ({"ID": "x", "CONFIGURATION": ""}, "CONFIGURATION", "not a boolean"),
        ({"ID": "x", "DESCRIPTIONS": "3"}, "DESCRIPTIONS", "not 0, 1 or 2"),
        ({"ID": "x", "DESCRIPTIONS": "all"}, "DESCRIPTIONS", "not 0, 1 or 2"),
        ({"ID": "x", "RESPONSEFORMAT": "svg"}, "RESPONSEFORMAT", "unknown parameter"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_parse_options_errors(params: dict[str, str], named: str, why: str) -> None:
    with pytest.raises(InputError) as info:
        parse_options(params)
    assert named in str(info.value) and why in str(info.value)


def test_options_refuse_bad_values() -> None:
    with pytest.raises(InputError, match="DEPTH"):
        LineageOptions(("x",), depth=-1)
    with pytest.raises(InputError, match="DESCRIPTIONS"):
        LineageOptions(("x",), descriptions=3)
    with pytest.raises(InputError, match="DIRECTION"):
        LineageOptions(("x",), direction="sideways")  # type: ignore[arg-type]
    assert LineageOptions("x", direction="forth").ids == ("x",)  # type: ignore[arg-type]
    assert LineageOptions(("x",), depth=80).limit == MAX_DEPTH


def test_walk_needs_an_id(store: Backend) -> None:
    with pytest.raises(InputError, match="ID"):
        walk(store, LineageOptions(()))


# -- identifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ex:catalog", "catalog"),
        (f"<{EX}catalog>", "catalog"),
        (f"{EX}catalog", "catalog"),
        ("ivo://example.org/lineage?catalog", "catalog"),  # dcterms:identifier
        ("RAW-0001", "raw1"),
        ("stacked-42", "stacked"),  # voprov:name
        ("raw frame 1", "raw1"),  # rdfs:label
        ("  ex:publish ", "publish"),  # activities by IRI
        ("ex:alice", "alice"),
    ],
)
def test_resolve_id(store: Backend, text: str, expected: str) -> None:
    assert [_short(n) for n in resolve_id(store, text, BASE, PREFIXES)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "ex:catalog",  # the prefix is unknown without the caller's prefixes
        "nothing",
        "calibrate frame 1",  # a label, but of an activity
        "prov:Entity",  # a class, not a node
        "load of pipeline.provn",  # the catalogue's load activity
    ],
)
def test_resolve_id_not_found(store: Backend, text: str) -> None:
    with pytest.raises(NotFoundError, match="nothing in the store"):
        resolve_id(store, text, BASE)


def test_resolve_id_of_a_document_graph_is_not_found(store: Backend) -> None:
    graph = Catalogue(store, BASE).documents()[0].graph
    with pytest.raises(NotFoundError):
        resolve_id(store, graph.value, BASE)
    with pytest.raises(InputError, match="empty"):
        resolve_id(store, "  ", BASE)


def test_resolve_relative_to_the_base(tmp_path: Path) -> None:
    backend = open_store("memory:")
    run0, run1 = f"<{BASE}id/demo/run0>", f"<{BASE}id/demo/run1>"
    turtle = f"{run1} a <{PROV}Entity> ; <{PROV}wasDerivedFrom> {run0} ."
    Catalogue(backend, BASE).load(turtle.encode(), formats.lookup("turtle"))
    assert resolve_id(backend, "id/demo/run1", BASE) == [NamedNode(f"{BASE}id/demo/run1")]
    # a node that is only the object of a relation is a node too
    assert resolve_id(backend, f"{BASE}id/demo/run0", BASE) == [NamedNode(f"{BASE}id/demo/run0")]
    lineage = walk(backend, parse_options({"ID": "id/demo/run1"}), base=BASE)
    assert {n.value for n in lineage.nodes} == {f"{BASE}id/demo/run1", f"{BASE}id/demo/run0"}


# -- MODEL=W3C and the formats ----------------------------------------------------------------

PROV_JSON_SCHEMA = "w3c-prov/prov-json.schema.json"


def _full(store: Backend, model: str) -> Lineage:
    return _walk(
        store, "catalog", model=model, agent=True, members=True, configuration=True,
        descriptions=2,
    )  # fmt: skip


def test_w3c_model_is_read_by_prov_and_valid(store: Backend) -> None:
    lineage = _full(store, "W3C")
    content = serialize(lineage, formats.lookup("provjson"))
    body = json.loads(content)
    jsonschema.validate(body, json.loads(shared(PROV_JSON_SCHEMA).read_text()))
    assert set(body) <= {
        "prefix", "entity", "activity", "agent", "used", "wasGeneratedBy", "wasDerivedFrom",
        "wasInformedBy", "wasAttributedTo", "wasAssociatedWith", "actedOnBehalfOf",
        "wasInfluencedBy", "hadMember",
    }  # fmt: skip
    document = prov.model.ProvDocument.deserialize(content=content.decode(), format="json")
    records = {type(r).__name__ for r in document.get_records()}
    assert {"ProvEntity", "ProvActivity", "ProvAgent", "ProvUsage", "ProvInfluence"} <= records
    # the IVOA classes are prov:type values, the voprov links typed influences
    raw1 = body["entity"]["ns1:raw1"]
    assert raw1["prov:type"] == {"$": "voprov:DatasetEntity", "type": "prov:QUALIFIED_NAME"}
    kinds = {str(v["prov:type"]["$"]) for v in body["wasInfluencedBy"].values()}
    assert {
        "voprov:WasConfiguredBy", "voprov:activityDescription", "voprov:entityDescription",
        "voprov:hasUsageDescription", "voprov:expectedEntityDescription",
        "voprov:configFileDescription", "voprov:parameterDescription",
    } <= kinds  # fmt: skip
    parameter = body["entity"]["ns1:calibrate1/threshold"]
    assert parameter["prov:value"] == "5.0"


def test_w3c_model_keeps_the_walk(store: Backend) -> None:
    ivoa, w3c = _full(store, "IVOA"), _full(store, "W3C")
    assert ivoa.nodes == w3c.nodes
    assert not any(t.predicate == RDF_TYPE and VOPROV in str(t.object) for t in w3c)
    assert not any(t.predicate.value.startswith(VOPROV + "wasConfigured") for t in w3c)


@pytest.mark.parametrize("model", ["IVOA", "W3C"])
@pytest.mark.parametrize("fmt", ["provjson", "provxml", "provn", "turtle", "jsonld", "nquads"])
def test_a_lineage_is_written_in_every_format(store: Backend, model: str, fmt: str) -> None:
    assert serialize(_full(store, model), formats.lookup(fmt))


# -- real and synthetic data ------------------------------------------------------------------


def test_real_voprov_document_stacked_image_back_to_raw_frames(tmp_path: Path) -> None:
    path = shared("voprov/image_stacking.json")
    backend = open_store(str(tmp_path / "store"))
    Catalogue(backend, BASE).load(path.read_bytes(), formats.lookup("provjson"), source=path.name)
    obs = "http://myobservatory.com/instrument#"
    lineage = walk(backend, parse_options({"ID": "stacked_image_mean"}), base=BASE)
    assert lineage.starts == (NamedNode(obs + "stacked_image_mean.fits"),)
    found = {n.value for n in lineage.nodes}
    raw = {f"{obs}{name}.fits" for name in ("image1", "image2", "image3", "bias", "dark", "flat")}
    assert raw <= found
    assert obs + "stacked_image_median.fits" not in found
    assert "http://myobservatory.com/processes/583730" not in found  # the median stack
    assert len([n for n in found if n.startswith("http://myobservatory.com/processes/")]) == 10
    assert not lineage.truncated
    w3c = walk(
        backend,
        parse_options({"ID": "stacked_image_mean", "MODEL": "W3C", "CONFIGURATION": "1"}),
        base=BASE,
    )
    content = serialize(w3c, formats.lookup("provjson")).decode()
    assert prov.model.ProvDocument.deserialize(content=content, format="json").get_records()


def test_synthetic_dl3_back_to_its_raw_files(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synth

    backend = open_store(str(tmp_path / "store"))
    data = json.dumps(synth.generate(4, seed=3)).encode()
    Catalogue(backend, BASE).load(data, formats.lookup("provjson"), source="cta.json")
    rows = backend.query(
        "SELECT ?e ?n WHERE { ?e <https://provenance.cta-observatory.org/ns#runNumber> ?n ; "
        "<http://www.ivoa.net/documents/ProvenanceDM/index.html#entityDescription> "
        "<https://provenance.cta-observatory.org/id/description/dataset/dl3> }"
    )
    dl3 = {int(r["n"].value): r["e"] for r in rows}  # type: ignore[union-attr, index]
    lineage = walk(backend, LineageOptions((dl3[1001],)), base=BASE)
    labels = [
        _text(t.object)
        for t in lineage
        if t.predicate.value.endswith("#label") and "subrun" in _text(t.object)
    ]
    assert labels and all("run 1001 " in label for label in labels)
    assert len(lineage.nodes) < 30
