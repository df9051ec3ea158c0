-- Connector peers (src/connector/peers.c). Shared by SQLite and Postgres; conventions as in
-- 001_ledger.sql: ids are canonical lower-case UUID text, u64 amounts are BIGINT bit patterns
-- (compared in C), times are BIGINT milliseconds since the epoch.
--
-- A peer is another connector we exchange ILP packets with. Its balance lives in the ledger
-- (accounts.id = peers.account_id, kind peer; the credit line is that account's min_balance).
-- The outgoing token is kept in clear because we must send it; incoming tokens are stored only
-- as SHA-256 hashes and shown once, when created.

CREATE TABLE peers (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
    name TEXT NOT NULL DEFAULT '',
    ilp_address TEXT NOT NULL,
    max_packet_amount BIGINT NOT NULL DEFAULT 0, -- u64; 0 = no limit
    packets_per_s BIGINT NOT NULL DEFAULT 0,     -- u64; 0 = the connector default
    amount_per_s BIGINT NOT NULL DEFAULT 0,      -- u64; 0 = the connector default
    outgoing_endpoint TEXT,                      -- NULL: we never send to this peer
    outgoing_token TEXT,
    routes TEXT NOT NULL DEFAULT '[]',           -- JSON array of ILP prefixes
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX peers_ilp_address ON peers (ilp_address);

CREATE TABLE peer_tokens (
    token_hash {{BLOB}} PRIMARY KEY, -- SHA-256 of the bearer token the peer sends us
    peer_id TEXT NOT NULL REFERENCES peers (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX peer_tokens_peer ON peer_tokens (peer_id);
