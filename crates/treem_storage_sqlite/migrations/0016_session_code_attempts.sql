-- Second-factor attempts of a session waiting for its code, counted before each code is checked:
-- the session ends at the limit (treem_app::auth), however many guesses arrive at once.
ALTER TABLE session ADD COLUMN code_attempts BIGINT NOT NULL DEFAULT 0;
