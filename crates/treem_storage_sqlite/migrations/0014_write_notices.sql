-- PostgreSQL announces committed writes to the other treem processes (LISTEN/NOTIFY).
-- A SQLite file is owned by one process, so there is nobody to tell: nothing to do here;
-- the file exists so that both backends apply the same list of migrations.
SELECT 1;
