-- Which import run last wrote (or confirmed) each order, and from which line: a later line of the same file
-- with the same id and other content is refused naming that line, without the import holding every id in memory.
ALTER TABLE orders ADD COLUMN import_run text;
ALTER TABLE orders ADD COLUMN import_line integer;
