-- The GNAP authorization server (src/auth/auth.h): grants with their requested access and
-- interaction, and the access tokens issued for them. Tokens are kept as SHA-256 hashes (hex):
-- the values are shown to the client once. The continue URI of a grant is /continue/{id}.
CREATE TABLE auth_grants (
    id TEXT PRIMARY KEY,                 -- uuid, also the continue id
    state TEXT NOT NULL,                 -- PENDING, APPROVED, FINALIZED, DENIED, REVOKED
    client TEXT NOT NULL DEFAULT '',     -- the client's wallet address URL ('' with client_jwk)
    client_jwk TEXT,                     -- directed identity: the JWK (JSON text)
    client_name TEXT NOT NULL DEFAULT '',
    access TEXT NOT NULL,                -- the access items (JSON array, as requested)
    continue_hash TEXT NOT NULL,
    finish_uri TEXT,                     -- interact.finish (method redirect)
    client_nonce TEXT,
    interact_id TEXT UNIQUE,
    interact_nonce TEXT,
    interact_ref TEXT,
    session_hash TEXT,                   -- the browser session that started the interaction
    interaction_expires_ms BIGINT,
    last_continue_ms BIGINT NOT NULL,
    subject TEXT,                        -- who accepted or rejected it
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE auth_tokens (
    id TEXT PRIMARY KEY,                 -- uuid: the management URI is /token/{id}
    grant_id TEXT NOT NULL REFERENCES auth_grants (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_ms BIGINT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms BIGINT NOT NULL
);
CREATE INDEX auth_tokens_grant ON auth_tokens (grant_id);
