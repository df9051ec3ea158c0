-- The sender's wallet address an operator names when creating an incoming payment through
-- Rafiki's admin GraphQL API (createIncomingPayment's senderWalletAddress, shown back as
-- IncomingPayment.senderWalletAddress); NULL: not given. src/payments/incoming_payment_meta.c.
ALTER TABLE incoming_payments ADD COLUMN sender_wallet_address TEXT;
