-- Listing grants for Rafiki's auth Admin GraphQL API (src/auth/auth_grants.h): pages in order of
-- creation then id, and the access identifiers of each grant, for the identifier filter (the
-- access items themselves stay JSON in auth_grants.access). grant_insert writes a grant's
-- identifiers in the grant's transaction; the statements below copy those of older grants.
CREATE INDEX auth_grants_created ON auth_grants (created_ms, id);

CREATE TABLE auth_grant_identifiers (
    identifier TEXT NOT NULL,            -- an access item's identifier (a wallet address URL)
    grant_id TEXT NOT NULL REFERENCES auth_grants (id),
    PRIMARY KEY (identifier, grant_id)
);

{{IF_SQLITE}}
INSERT INTO auth_grant_identifiers (identifier, grant_id)
SELECT DISTINCT json_extract(e.value, '$.identifier'), g.id
FROM auth_grants g, json_each(g.access) e
WHERE json_type(e.value, '$.identifier') = 'text';
{{END_IF}}
{{IF_POSTGRES}}
INSERT INTO auth_grant_identifiers (identifier, grant_id)
SELECT DISTINCT e ->> 'identifier', g.id
FROM auth_grants g, json_array_elements(g.access::json) e
WHERE json_typeof(e -> 'identifier') = 'string';
{{END_IF}}
