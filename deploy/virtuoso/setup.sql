-- Virtuoso Open Source 7 as provld's store. Run once, as dba:
--     isql-vt 1111 dba <password> deploy/virtuoso/setup.sql
-- provld's queries are anonymous, on /sparql; its updates go as an authenticated user.
--
-- 1. Virtuoso's own graphs out of what anonymous queries see, so that the union default
-- graph provld publishes holds the documents only. A fresh Virtuoso answers
-- ASK { ?s ?p ?o } with true: its schemas (virtrdf#), the LDP and OWL vocabularies and its
-- service description are graphs like any other. (SELECT DISTINCT ?g still lists them.)
-- A service description graph named after [URIQA] DefaultHost belongs in the list too.
DB.DBA.RDF_GRAPH_GROUP_CREATE ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 1);
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://www.openlinksw.com/schemas/virtrdf#');
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://www.w3.org/ns/ldp#');
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://www.w3.org/2002/07/owl#');
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://localuriqaserver/sparql');
-- every other graph stays readable by anyone; private ones by nobody anonymous
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1, 0);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);
-- 2. SERVICE (federated queries) for the anonymous user: provld lets through only the
-- partners PROVLD_FEDERATION names, so keep Virtuoso's own endpoint off public networks.
GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL";
GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";
