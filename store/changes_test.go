package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestChangeLog: the triggers write one change per tenant per transaction,
// in commit order, note both tenants when a row moves, write NULL for
// TRUNCATE, and notify mailflow_changes.
func TestChangeLog(t *testing.T) {
	pool := migratedPG(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN mailflow_changes"); err != nil {
		t.Fatal(err)
	}
	steps := []string{
		// 1: contoso and fabrikam created in one transaction: two rows.
		`INSERT INTO tenants (tenant_id) VALUES ('contoso'), ('fabrikam');
		 INSERT INTO accepted_domains (tenant_id, position, domain_name) VALUES ('contoso', 0, 'contoso.com')`,
		// 2: a domain moves from contoso to fabrikam: both tenants change.
		`UPDATE accepted_domains SET tenant_id = 'fabrikam' WHERE domain_name = 'contoso.com'`,
		// 3: TRUNCATE means "reload all" (tenant NULL).
		`TRUNCATE accepted_domains`,
	}
	for _, s := range steps {
		if _, err := pool.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	rows, err := pool.Query(ctx, "SELECT coalesce(tenant_id, '*') FROM changes ORDER BY change_number")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"contoso", "fabrikam", "contoso", "fabrikam", "*"}
	if !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	// Every change was notified as "TENANT NUMBER", in order. The deadline
	// only bounds a hang; it is not what the test checks.
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	wantN := []string{"contoso 1", "fabrikam 2", "contoso 3", "fabrikam 4", "* 5"}
	for _, w := range wantN {
		n, err := conn.Conn().WaitForNotification(wctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", w, err)
		}
		if n.Channel != "mailflow_changes" || n.Payload != w {
			t.Fatalf("notification %s %q, want mailflow_changes %q", n.Channel, n.Payload, w)
		}
	}
}
