-- Every committed audit entry is announced to the other treem processes on the same
-- database (LISTEN treem_writes), with the writer's application_name, so that their
-- indicator facts and kept figures follow writes they did not make. NOTIFY is
-- transactional: a rolled-back write is never announced. Denied and failed entries
-- change nothing and are not announced.
CREATE FUNCTION audit_log_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.outcome = 'ok' THEN
        PERFORM pg_notify('treem_writes', json_build_object(
            'action', NEW.action,
            'record_type', NEW.record_type,
            'record_key', NEW.record_key,
            'by', current_setting('application_name'))::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_log_announce AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_announce();
