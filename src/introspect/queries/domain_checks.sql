-- CHECK constraints of domains in managed schemas. PostgreSQL 17+ also stores a domain's
-- NOT NULL as a pg_constraint row (contype 'n'): left out, it is the domain's `not_null`.
-- `validated` is filled in per version as in constraints.sql.
SELECT c.oid, c.contypid AS domain, c.conname::text AS name,
       pg_get_constraintdef(c.oid) AS definition,
       {{VALIDATED}} AS validated
FROM pg_constraint c
JOIN pg_type t ON t.oid = c.contypid
JOIN managed m ON m.oid = t.typnamespace
WHERE c.contype = 'c' AND t.typtype = 'd'
