-- A tenant's funding model (src/payments/tenants.h): 'rafiki' (the wallet funds each outgoing
-- payment and withdraws what it receives) or 'ledger' (our ledger holds its wallet addresses'
-- balances); NULL: the instance's FUNDING_MODEL. Payments keep the model they were created
-- under.
ALTER TABLE tenants ADD COLUMN funding_model TEXT;
