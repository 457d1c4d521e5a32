"""provld: a linked-data provenance store for observatories.

IVOA ProvenanceDM 1.0 as an OWL extension of W3C PROV-O, read from every PROV and RDF
format into named graphs of an RDF store, and written out again.
"""

from __future__ import annotations

__version__ = "0.1.0"
