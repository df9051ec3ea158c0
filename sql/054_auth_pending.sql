-- The pending interactive grants of one client, counted on every interactive grant request
-- against PENDING_GRANTS_MAX_PER_CLIENT (src/auth/auth_store.c): only PENDING rows are indexed,
-- so the count reads at most that many entries of the client however many grants it has had.
CREATE INDEX auth_grants_pending ON auth_grants (client, interaction_expires_ms)
    WHERE state = 'PENDING';
