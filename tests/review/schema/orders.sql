CREATE TABLE public.orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL
    CONSTRAINT orders_customer_fk REFERENCES public.customers (id),
  quantity bigint NOT NULL,
  note text
);

CREATE INDEX orders_customer_idx ON public.orders (customer_id);

CREATE TABLE public.invoices (
  id bigint PRIMARY KEY,
  order_id bigint NOT NULL,
  amount numeric(12, 2) NOT NULL
);
