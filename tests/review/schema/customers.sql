-- Customers of the shop.
CREATE TABLE public.customers (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email text
);
