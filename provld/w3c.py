"""ProvenanceDM triples rewritten as plain W3C PROV (MODEL=W3C of provenance access).

As the ProvDAL and ProvSAP drafts propose (and voprov's ``get_w3c`` does), the IVOA
classes become ``prov:type`` values of plain PROV elements, so that any PROV tool reads
the result and nothing is lost:

- ``rdf:type voprov:DatasetEntity`` (any voprov class) becomes ``prov:type
  voprov:DatasetEntity`` on a ``prov:Entity``. PROV-O writes PROV-DM's ``prov:type`` as
  ``rdf:type``; the ``prov:type`` property is used here so that the PROV serialisations
  (:mod:`provld.fromrdf`) keep the element a plain ``entity`` with that type instead of
  turning it back into an IVOA record. The PROV-O classes the store also writes
  (``prov:Entity``, ``prov:Plan``, ``prov:Collection``) stay.
- ``voprov:wasConfiguredBy`` becomes ``prov:wasInfluencedBy``, its qualified
  ``voprov:WasConfiguredBy`` node a ``prov:Influence`` with ``prov:type
  voprov:WasConfiguredBy`` whose ``voprov:parameter`` or ``voprov:configFile`` is the
  ``prov:influencer`` (``voprov:artefactType`` stays as an attribute).
- A description or part link between two elements (``voprov:activityDescription``,
  ``voprov:entityDescription``, ``voprov:hasUsageDescription``,
  ``voprov:expectedEntityDescription``...) becomes ``prov:wasInfluencedBy`` from the
  described to the description, qualified by a ``prov:Influence`` whose ``prov:type`` is
  the voprov property itself, so the link can be told apart and mapped back.
- The description of a usage or a generation (``voprov:usageDescription`` on a
  ``prov:Usage``) stays an attribute of that relation: PROV relations cannot be influenced.
- ``voprov:hadReference`` (a parameter's value taken from a value entity) becomes
  ``prov:wasDerivedFrom``, qualified by a ``prov:Derivation`` of ``prov:type
  voprov:hadReference``; ``voprov:value`` becomes ``prov:value``.

Every other triple (attributes in the voprov namespace included) is kept as it is.

>>> from pyoxigraph import NamedNode, Triple
>>> e = NamedNode("http://ex.org/e")
>>> [str(t) for t in plain_prov([Triple(e, RDF_TYPE, NamedNode(VOPROV + "DatasetEntity"))])]
... # doctest: +NORMALIZE_WHITESPACE
['<http://ex.org/e> <http://www.w3.org/ns/prov#type>
  <http://www.ivoa.net/documents/ProvenanceDM/index.html#DatasetEntity>',
 '<http://ex.org/e> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>
  <http://www.w3.org/ns/prov#Entity>']
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import BlankNode, NamedNode, Quad, Triple

from provld.model import PROV, RDF, VOPROV

RDF_TYPE = NamedNode(RDF + "type")
PROV_TYPE = NamedNode(PROV + "type")
_ENTITY = NamedNode(PROV + "Entity")
_INFLUENCE = NamedNode(PROV + "Influence")
_DERIVATION = NamedNode(PROV + "Derivation")
_INFLUENCED_BY = NamedNode(PROV + "wasInfluencedBy")
_QUALIFIED_INFLUENCE = NamedNode(PROV + "qualifiedInfluence")
_INFLUENCER = NamedNode(PROV + "influencer")
_DERIVED_FROM = NamedNode(PROV + "wasDerivedFrom")
_QUALIFIED_DERIVATION = NamedNode(PROV + "qualifiedDerivation")
_PROV_ENTITY = NamedNode(PROV + "entity")
_PROV_VALUE = NamedNode(PROV + "value")

_CONFIGURED = NamedNode(VOPROV + "wasConfiguredBy")
_QUALIFIED_CONFIGURATION = NamedNode(VOPROV + "qualifiedConfiguration")
_CONFIGURATION = NamedNode(VOPROV + "WasConfiguredBy")
_CONFIGURATORS = {NamedNode(VOPROV + "parameter"), NamedNode(VOPROV + "configFile")}
_REFERENCE = NamedNode(VOPROV + "hadReference")
_VALUE = NamedNode(VOPROV + "value")
#: Links from an element to a description, or between descriptions.
_DESCRIPTION_LINKS = {
    NamedNode(VOPROV + local)
    for local in (
        "isDescribedBy",
        "activityDescription",
        "entityDescription",
        "usageDescription",
        "generationDescription",
        "parameterDescription",
        "configFileDescription",
        "isRelatedTo",
        "hasUsageDescription",
        "hasGenerationDescription",
        "hasParameterDescription",
        "hasConfigFileDescription",
        "expectedEntityDescription",
    )
}
_QUALIFIERS = {
    NamedNode(PROV + local)
    for local in (
        "qualifiedUsage",
        "qualifiedGeneration",
        "qualifiedInvalidation",
        "qualifiedStart",
        "qualifiedEnd",
        "qualifiedCommunication",
        "qualifiedDerivation",
        "qualifiedRevision",
        "qualifiedQuotation",
        "qualifiedPrimarySource",
        "qualifiedAttribution",
        "qualifiedAssociation",
        "qualifiedDelegation",
        "qualifiedInfluence",
    )
} | {_QUALIFIED_CONFIGURATION}


def plain_prov(statements: Iterable[Triple | Quad]) -> list[Triple]:
    """The triples of ``statements`` in plain PROV (module docstring: the mapping)."""
    triples = [s.triple if isinstance(s, Quad) else s for s in statements]
    qualified = {t.object for t in triples if t.predicate in _QUALIFIERS}
    out: dict[Triple, None] = {}
    for t in triples:
        for new in _rewrite(t, t.subject in qualified):
            out[new] = None
    return list(out)


def _rewrite(t: Triple, on_relation: bool) -> list[Triple]:
    s, p, o = t.subject, t.predicate, t.object
    if p == RDF_TYPE and isinstance(o, NamedNode) and o.value.startswith(VOPROV):
        if o == _CONFIGURATION:
            return [Triple(s, RDF_TYPE, _INFLUENCE), Triple(s, PROV_TYPE, o)]
        if on_relation:
            return [Triple(s, PROV_TYPE, o)]
        return [Triple(s, PROV_TYPE, o), Triple(s, RDF_TYPE, _ENTITY)]
    if p == _CONFIGURED:
        return [Triple(s, _INFLUENCED_BY, o)]
    if p == _QUALIFIED_CONFIGURATION:
        return [Triple(s, _QUALIFIED_INFLUENCE, o)]
    if p in _CONFIGURATORS and on_relation:
        return [Triple(s, _INFLUENCER, o)]
    if p == _VALUE:
        return [Triple(s, _PROV_VALUE, o)]
    if p in _DESCRIPTION_LINKS and not on_relation and isinstance(o, NamedNode | BlankNode):
        return _qualified(s, _INFLUENCED_BY, _QUALIFIED_INFLUENCE, _INFLUENCE, _INFLUENCER, o, p)
    if p == _REFERENCE and isinstance(o, NamedNode | BlankNode):
        return _qualified(s, _DERIVED_FROM, _QUALIFIED_DERIVATION, _DERIVATION, _PROV_ENTITY, o, p)
    return [t]


def _qualified(
    s: NamedNode | BlankNode | Triple,
    plain: NamedNode,
    qualified: NamedNode,
    cls: NamedNode,
    influencer: NamedNode,
    o: NamedNode | BlankNode,
    kind: NamedNode,
) -> list[Triple]:
    """``s plain o``, and its qualified form: a node of ``cls`` whose ``prov:type`` is
    the IVOA property ``kind`` it stands for."""
    node = BlankNode()
    return [
        Triple(s, plain, o),
        Triple(s, qualified, node),
        Triple(node, RDF_TYPE, cls),
        Triple(node, influencer, o),
        Triple(node, PROV_TYPE, kind),
    ]


__all__ = ["plain_prov"]
