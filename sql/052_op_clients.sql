-- Which Open Payments client created a resource (src/backend/op_resource.c): its wallet address
-- URL, or "jwk:<kid>" for a directed-identity client. A token with read or list (not read-all,
-- list-all) sees only its client's resources. NULL: created through the admin API.
ALTER TABLE incoming_payments ADD COLUMN client TEXT;
ALTER TABLE quotes ADD COLUMN client TEXT;
ALTER TABLE outgoing_payments ADD COLUMN client TEXT;
