# Adds the plain PROV-O triple of every qualified relation in one document graph that
# lacks it, so that a query on prov:used (and the others) finds every relation whatever
# form the source wrote. ?graph is replaced by the document's graph IRI.
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX voprov: <http://www.ivoa.net/documents/ProvenanceDM/index.html#>
INSERT { GRAPH ?graph { ?s ?plain ?o } }
WHERE {
  VALUES (?qualified ?influencer ?plain) {
    (prov:qualifiedUsage prov:entity prov:used)
    (prov:qualifiedGeneration prov:activity prov:wasGeneratedBy)
    (prov:qualifiedInvalidation prov:activity prov:wasInvalidatedBy)
    (prov:qualifiedStart prov:entity prov:wasStartedBy)
    (prov:qualifiedEnd prov:entity prov:wasEndedBy)
    (prov:qualifiedCommunication prov:activity prov:wasInformedBy)
    (prov:qualifiedDerivation prov:entity prov:wasDerivedFrom)
    (prov:qualifiedRevision prov:entity prov:wasRevisionOf)
    (prov:qualifiedQuotation prov:entity prov:wasQuotedFrom)
    (prov:qualifiedPrimarySource prov:entity prov:hadPrimarySource)
    (prov:qualifiedAttribution prov:agent prov:wasAttributedTo)
    (prov:qualifiedAssociation prov:agent prov:wasAssociatedWith)
    (prov:qualifiedDelegation prov:agent prov:actedOnBehalfOf)
    (prov:qualifiedInfluence prov:influencer prov:wasInfluencedBy)
    (voprov:qualifiedConfiguration voprov:parameter voprov:wasConfiguredBy)
    (voprov:qualifiedConfiguration voprov:configFile voprov:wasConfiguredBy)
  }
  GRAPH ?graph {
    ?s ?qualified ?node . ?node ?influencer ?o
    FILTER NOT EXISTS { ?s ?plain ?o }
  }
}
