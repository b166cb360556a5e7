-- Businesses: one per merchant; each connects one Xero organisation (tenant).
CREATE TABLE businesses (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  time_zone      text NOT NULL DEFAULT 'UTC',
  xero_tenant_id text,
  -- Invoice mapping settings (account codes, tax and payment mappings, templates); validated by the API.
  settings       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Locations are learnt from imported orders; a location belongs to the channels it has orders in.
CREATE TABLE locations (
  business_id text NOT NULL REFERENCES businesses (id),
  id          text NOT NULL,
  name        text NOT NULL,
  channels    text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (business_id, id)
);

-- The orders store. The whole order is kept as imported (payload); the columns are what queries filter on.
CREATE TABLE orders (
  business_id text NOT NULL REFERENCES businesses (id),
  id          text NOT NULL,
  number      text NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('pos', 'online', 'b2b')),
  location_id text NOT NULL,
  placed_at   timestamptz NOT NULL,
  status      text NOT NULL CHECK (status IN ('completed', 'refunded', 'voided')),
  total       numeric(16, 4) NOT NULL,
  payload     jsonb NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (business_id, id)
);
-- Batches read a channel's (and location's) orders in a time range, page by page, in (placed_at, id) order.
CREATE INDEX orders_by_channel_time ON orders (business_id, channel, placed_at, id);
CREATE INDEX orders_by_location_time ON orders (business_id, channel, location_id, placed_at, id);
