-- The built-in login of the consent screens (src/auth/users.c, consent.c): users with a scrypt
-- password hash, the wallet addresses each owns, and browser sessions (stored as SHA-256 hashes
-- of the cookie value, with the session's CSRF token).
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,            -- scrypt$<log2 N>$<r>$<p>$<salt b64>$<key b64>
    created_ms BIGINT NOT NULL
);

CREATE TABLE user_wallet_addresses (
    user_id TEXT NOT NULL REFERENCES users (id),
    wallet_address_id TEXT NOT NULL REFERENCES wallet_addresses (id),
    PRIMARY KEY (user_id, wallet_address_id)
);

CREATE TABLE user_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
