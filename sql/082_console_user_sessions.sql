-- The console's users page (src/payments/console_users.h): a user's role change, password reset
-- or deletion updates or ends its open sessions at once, found by the user's name.
CREATE INDEX console_sessions_user ON console_sessions (user_name);
