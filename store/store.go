// Package store keeps mailflow tenants in PostgreSQL.
//
// The schema is made for people as well as for mailflow: one table per
// kind of record (tenants, accepted_domains, outbound_connectors,
// inbound_connectors), columns named after the configuration fields, and
// each record's whole configuration in a JSONB column "record" whose keys
// are the configuration field names. Row triggers append to the table
// "changes" (change_number bigserial, in commit order) and send
// pg_notify('mailflow_changes', "TENANT NUMBER"), so a serving node can
// catch up with change_number > last.
//
// Migrations are embedded in the binary (migrations/NNNN_name.sql) and
// applied by [Migrate], which is idempotent, takes an advisory lock so that
// several nodes may run it at once, and refuses a database migrated by a
// newer binary.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLock is the pg_advisory_lock key Migrate holds while it works.
const migrateLock = 7218376412

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// ErrNewerDatabase is returned (wrapped) by [Migrate] when the database has
// a migration applied that this binary does not know.
var ErrNewerDatabase = errors.New("store: database schema is newer than this binary")

// migrations lists the embedded migrations in version order. A file name
// must be NNNN_name.sql with NNNN the version, counting from 1 without gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %q: name must be NNNN_name.sql", base)
		}
		data, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("store: migration %q: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(data)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %q: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the highest migration version embedded in this binary.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate brings the database behind pool to [SchemaVersion]. It applies
// each missing migration in its own transaction and records it in
// schema_migrations. Running it again does nothing. It holds a session
// advisory lock while it works, so concurrent callers wait for each other.
// A database whose highest applied version is above the binary's is refused
// with an error wrapping [ErrNewerDatabase]. Migrate returns the versions
// it applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]int, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: connect: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return nil, fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLock)) //nolint:errcheck // unlock at session end anyway

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("store: migrate: schema_migrations: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return nil, fmt.Errorf("store: migrate: read version: %w", err)
	}
	if want := len(ms); have > want {
		return nil, fmt.Errorf("%w: database has version %d, this binary knows up to %d", ErrNewerDatabase, have, want)
	}
	var applied []int
	for _, m := range ms[have:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("store: migrate: %s: %w", m.name, err)
		}
		applied = append(applied, m.version)
	}
	return applied, nil
}
