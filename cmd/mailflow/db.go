package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mailflow-go/mailflow/store"
)

// runDB runs the tenant store commands: `mailflow db migrate --db URL`.
func runDB(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "migrate" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprint(stdout, "Usage: mailflow db migrate --db URL\n\nBrings the PostgreSQL tenant store to this binary's schema version.\n")
			return exitOK
		}
		fmt.Fprint(stderr, "Usage: mailflow db migrate --db URL\n")
		return exitUsage
	}
	fs := newFlagSet("db migrate",
		"mailflow db migrate --db URL",
		`Brings the PostgreSQL tenant store to this binary's schema version
(embedded migrations, idempotent, safe to run from several nodes at once).
Refuses a database migrated by a newer mailflow.`, stdout, stderr)
	url := fs.String("db", "", "PostgreSQL connection URL or keyword/value string")
	rest, status, ok := fs.parse(args[1:])
	if !ok {
		return status
	}
	if *url == "" || len(rest) != 0 {
		fmt.Fprint(stderr, "mailflow db migrate: give --db URL and no arguments\n")
		return exitUsage
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, *url)
	if err != nil {
		fmt.Fprintf(stderr, "mailflow db migrate: %v\n", err)
		return exitUsage
	}
	defer pool.Close()
	applied, err := store.Migrate(ctx, pool)
	if err != nil {
		fmt.Fprintf(stderr, "mailflow db migrate: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "schema version %d (applied %v)\n", store.SchemaVersion(), applied)
	return exitOK
}
