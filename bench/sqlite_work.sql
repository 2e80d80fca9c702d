-- sqlite_work: the sqlite3 workload of bench/run.sh, run as
--   sqlite3 :memory: ".read bench/sqlite_work.sql"
-- Creates a table, inserts 200k rows in one transaction, indexes it, runs grouping, join,
-- LIKE, string-building and sorting queries, updates and deletes. Prints a few
-- deterministic result rows. About 1 s here.
CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, category INTEGER, price REAL, note TEXT);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO items(name, category, price, note)
  SELECT 'item-' || i, i % 97, (i * 37 % 10000) / 100.0, printf('note %d %s', i, hex(i * 7919))
  FROM n;
COMMIT;
CREATE INDEX items_category ON items(category, price);
CREATE INDEX items_name ON items(name);
SELECT count(*), sum(price) FROM items;
SELECT category, count(*), round(avg(price), 3) FROM items GROUP BY category ORDER BY 3 DESC LIMIT 3;
SELECT count(*) FROM items a JOIN items b ON a.name = 'item-' || (b.id * 3) WHERE b.category < 20;
SELECT count(*) FROM items WHERE note LIKE '%3939%';
SELECT group_concat(name, ',') IS NOT NULL, length(group_concat(note, ';')) FROM items WHERE category = 5;
SELECT sum(length(replace(note, ' ', '--'))), sum(length(printf('%s/%d/%.2f', name, category, price))) FROM items;
SELECT count(*) FROM (SELECT note, name FROM items ORDER BY note DESC, name);
SELECT category, length(group_concat(upper(name), '|')) FROM items GROUP BY category ORDER BY 2 DESC LIMIT 2;
SELECT count(*), sum(length(b.note)) FROM items a JOIN items b ON b.name = 'item-' || (a.id / 2 + 1);
CREATE TABLE sorted AS SELECT id, lower(note) AS note, name || '#' || category AS tag FROM items ORDER BY note;
SELECT count(DISTINCT tag), max(note) FROM sorted;
DROP TABLE sorted;
UPDATE items SET note = upper(note) WHERE category % 3 = 0;
DELETE FROM items WHERE price > 90;
SELECT count(*), max(length(note)) FROM items;
