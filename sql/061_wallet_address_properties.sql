-- Additional properties of a wallet address (Rafiki's walletAddressAdditionalProperties): free
-- key/value pairs an operator attaches, each shown in the Open Payments wallet address document
-- or kept to the admin APIs (visible_in_op). src/payments/wallet_address_props.h writes them; an
-- update replaces the whole set.
CREATE TABLE wallet_address_properties (
    id TEXT PRIMARY KEY,
    wallet_address_id TEXT NOT NULL REFERENCES wallet_addresses (id),
    field_key TEXT NOT NULL,
    field_value TEXT NOT NULL,
    visible_in_op BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX wallet_address_properties_wallet ON wallet_address_properties (wallet_address_id, created_at);
