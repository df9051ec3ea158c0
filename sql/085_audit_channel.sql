-- The audit log also records changes made through the REST admin API and the Admin GraphQL
-- API (src/payments/audit_queue.h): channel says which ('console', 'rest', 'graphql'); the
-- console's own rows written before this migration are 'console'.
ALTER TABLE console_audit ADD COLUMN channel TEXT NOT NULL DEFAULT 'console';
