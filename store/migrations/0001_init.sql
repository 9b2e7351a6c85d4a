-- mailflow tenant store, version 1.
--
-- One row per tenant and one row per record of a tenant. Column names are
-- the configuration field names (lower case, snake case), so an admin can
-- read and edit the store with psql. Each record row keeps its whole
-- configuration record in "record" (JSONB, keys are the configuration field
-- names); the typed columns win over the same keys in "record".

CREATE TABLE tenants (
    tenant_id          text PRIMARY KEY,
    reject_direct_send boolean NOT NULL DEFAULT false,
    record             jsonb   NOT NULL DEFAULT '{}'::jsonb -- SendAs, SubmissionLogins, TransportRules, ...
);

CREATE TABLE accepted_domains (
    tenant_id   text    NOT NULL REFERENCES tenants ON DELETE CASCADE,
    position    integer NOT NULL,
    domain_name text    NOT NULL,
    domain_type text    NOT NULL DEFAULT 'Authoritative',
    record      jsonb   NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, position)
);
CREATE UNIQUE INDEX accepted_domains_name ON accepted_domains (lower(domain_name));

CREATE TABLE outbound_connectors (
    tenant_id      text    NOT NULL REFERENCES tenants ON DELETE CASCADE,
    position       integer NOT NULL,
    name           text    NOT NULL,
    connector_type text    NOT NULL DEFAULT 'Partner',
    enabled        boolean NOT NULL DEFAULT true,
    stored         boolean NOT NULL DEFAULT false,
    record         jsonb   NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, position),
    UNIQUE (tenant_id, name)
);

CREATE TABLE inbound_connectors (
    tenant_id      text    NOT NULL REFERENCES tenants ON DELETE CASCADE,
    position       integer NOT NULL,
    name           text    NOT NULL,
    connector_type text    NOT NULL DEFAULT 'Partner',
    enabled        boolean NOT NULL DEFAULT true,
    stored         boolean NOT NULL DEFAULT false,
    record         jsonb   NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, position),
    UNIQUE (tenant_id, name)
);

-- The change log. A node serving change number N has applied every change
-- with change_number <= N. tenant_id NULL means "reload every tenant"
-- (TRUNCATE). One row per tenant per transaction.
CREATE TABLE changes (
    change_number bigserial   PRIMARY KEY,
    tenant_id     text,
    txid          bigint      NOT NULL DEFAULT txid_current(),
    committed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX changes_tx_tenant ON changes (txid, coalesce(tenant_id, ''));

-- mailflow_note_change records that tenant t changed in this transaction.
-- The transaction-scoped advisory lock serializes writers, so change
-- numbers are handed out in commit order: a node catching up with
-- change_number > last never misses a transaction that took a lower number
-- and committed later.
CREATE FUNCTION mailflow_note_change(t text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7218376413);
    -- Checked first so that a repeated tenant does not use up a number.
    IF EXISTS (SELECT 1 FROM changes
               WHERE txid = txid_current() AND coalesce(tenant_id, '') = coalesce(t, '')) THEN
        RETURN;
    END IF;
    INSERT INTO changes (tenant_id) VALUES (t)
        ON CONFLICT DO NOTHING
        RETURNING change_number INTO n;
    IF n IS NOT NULL THEN
        PERFORM pg_notify('mailflow_changes', coalesce(t, '*') || ' ' || n);
    END IF;
END;
$$;

CREATE FUNCTION mailflow_row_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM mailflow_note_change(OLD.tenant_id);
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM mailflow_note_change(NEW.tenant_id);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
            PERFORM mailflow_note_change(NEW.tenant_id);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION mailflow_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mailflow_note_change(NULL);
    RETURN NULL;
END;
$$;

CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION mailflow_row_changed();
CREATE TRIGGER accepted_domains_changed AFTER INSERT OR UPDATE OR DELETE ON accepted_domains
    FOR EACH ROW EXECUTE FUNCTION mailflow_row_changed();
CREATE TRIGGER outbound_connectors_changed AFTER INSERT OR UPDATE OR DELETE ON outbound_connectors
    FOR EACH ROW EXECUTE FUNCTION mailflow_row_changed();
CREATE TRIGGER inbound_connectors_changed AFTER INSERT OR UPDATE OR DELETE ON inbound_connectors
    FOR EACH ROW EXECUTE FUNCTION mailflow_row_changed();

CREATE TRIGGER tenants_truncated AFTER TRUNCATE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION mailflow_truncated();
CREATE TRIGGER accepted_domains_truncated AFTER TRUNCATE ON accepted_domains
    FOR EACH STATEMENT EXECUTE FUNCTION mailflow_truncated();
CREATE TRIGGER outbound_connectors_truncated AFTER TRUNCATE ON outbound_connectors
    FOR EACH STATEMENT EXECUTE FUNCTION mailflow_truncated();
CREATE TRIGGER inbound_connectors_truncated AFTER TRUNCATE ON inbound_connectors
    FOR EACH STATEMENT EXECUTE FUNCTION mailflow_truncated();
