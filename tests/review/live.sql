CREATE TABLE public.customers (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  legacy_code text
);
CREATE TABLE public.orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL,
  quantity integer NOT NULL,
  note text
);
CREATE TABLE public.audit_log (
  id bigint,
  message text
);
