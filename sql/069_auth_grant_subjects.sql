-- Open Payments subject grants (src/auth/auth_subject.c): the subject identifiers a grant request
-- asked the user to prove (auth-server.yaml `subject.sub_ids`, one wallet address URL in the
-- `uri` format), written in the grant's transaction. Once the user approved, the continuation
-- answers them as the proven subject; Rafiki's auth Admin GraphQL API shows them as
-- Grant.subject (SubjectItem: id, subId, subIdFormat, createdAt).
CREATE TABLE auth_grant_subjects (
    id TEXT PRIMARY KEY,                 -- uuid (SubjectItem.id)
    grant_id TEXT NOT NULL REFERENCES auth_grants (id),
    position INTEGER NOT NULL,           -- its index in the request's sub_ids
    sub_id TEXT NOT NULL,                -- the wallet address URL
    sub_id_format TEXT NOT NULL,         -- 'uri'
    created_ms BIGINT NOT NULL,
    UNIQUE (grant_id, position)
);
