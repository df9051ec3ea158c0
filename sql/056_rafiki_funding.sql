-- Rafiki's funding model (FUNDING_MODEL=rafiki; src/payments/payment_liquidity.h): the wallet's
-- own system holds its users' balances and moves liquidity in and out per payment. Kept per row
-- so a payment keeps the model it was created under when the setting changes:
--   outgoing: the payment waits in FUNDING for the wallet's deposit of its debit amount (no
--             funding from the wallet address's account), its fee and any rest stay in its
--             account until the wallet withdraws them (no refund to the wallet account);
--   incoming: what it received stays in its invoice account until the wallet withdraws it
--             (no sweep into the wallet address's account when it ends).
ALTER TABLE outgoing_payments ADD COLUMN rafiki_funding BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE incoming_payments ADD COLUMN rafiki_funding BOOLEAN NOT NULL DEFAULT FALSE;
