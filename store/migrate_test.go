package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestMigrateTwice: the second run applies nothing and the schema works.
func TestMigrateTwice(t *testing.T) {
	pool := needPG(t)
	ctx := context.Background()
	got, err := Migrate(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1}; !slices.Equal(got, want) {
		t.Fatalf("first Migrate applied %v, want %v", got, want)
	}
	got, err = Migrate(ctx, pool)
	if err != nil || len(got) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", got, err)
	}
	// The triggers fill the change log, one row per tenant per transaction.
	if _, err := pool.Exec(ctx, `INSERT INTO tenants (tenant_id) VALUES ('contoso');
		INSERT INTO accepted_domains (tenant_id, position, domain_name) VALUES ('contoso', 0, 'contoso.com')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM changes WHERE tenant_id = 'contoso'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("changes rows for one transaction = %d, want 1", n)
	}
}

// TestMigrateRefusesNewer: a database migrated by a newer binary is refused.
func TestMigrateRefusesNewer(t *testing.T) {
	pool := migratedPG(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')"); err != nil {
		t.Fatal(err)
	}
	_, err := Migrate(ctx, pool)
	if !errors.Is(err, ErrNewerDatabase) {
		t.Fatalf("Migrate on newer database: err = %v, want ErrNewerDatabase", err)
	}
}
