-- The tenant of each grant (Rafiki 2.0's grants.tenantId; src/auth/auth_tenant.c): the tenant
-- whose grant endpoint {AUTH_SERVER_URL}/{tenantId} the client asked. NULL is the operator's
-- tenant through the plain endpoint {AUTH_SERVER_URL}/, which every grant made before tenants
-- used. The tenant's idp_consent_url and idp_secret (sql/065_tenants.sql) decide where the user
-- consents and which secret the interaction API accepts for the grant. Tenants are only ever
-- soft-deleted, so the reference stays valid.
ALTER TABLE auth_grants ADD COLUMN tenant_id TEXT REFERENCES tenants (id);
-- The auth Admin GraphQL API lists one tenant's grants in creation order.
CREATE INDEX auth_grants_tenant ON auth_grants (tenant_id, created_ms);
