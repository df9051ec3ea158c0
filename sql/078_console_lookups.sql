-- The operator console's searches (src/payments/console_lookups.c): wallet addresses by URL
-- prefix, a range in byte order (SQLite's unique index on url already is; Postgres's default
-- collation is not, so it has one of its own). A wallet address's newest incoming payments read
-- incoming_payments_wallet_created (080_console_payments.sql).
{{IF_POSTGRES}}
CREATE INDEX wallet_addresses_url_bytes ON wallet_addresses (url COLLATE "C");
{{END_IF}}
