package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgBin is where Debian's postgresql-15 package puts the server binaries.
const pgBin = "/usr/lib/postgresql/15/bin"

// testServer is one PostgreSQL started for the whole test binary by TestMain.
var testServer struct {
	url     string // connection URL, "" when not started
	skipWhy string // why the tests that need it skip
}

// TestMain starts one real PostgreSQL 15 in a temporary directory, on a
// private unix socket directory, as an unprivileged user, and stops it at
// the end. Without the binaries the store tests skip, unless MAILFLOW_CI=1,
// where they fail.
func TestMain(m *testing.M) {
	stop, err := startPostgres()
	if err != nil {
		testServer.skipWhy = err.Error()
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// needPG returns a pool on a fresh database of the shared server.
func needPG(t *testing.T) *pgxpool.Pool {
	t.Helper()
	if testServer.url == "" {
		if os.Getenv("MAILFLOW_CI") == "1" {
			t.Fatalf("PostgreSQL needed (MAILFLOW_CI=1): %s", testServer.skipWhy)
		}
		t.Skipf("PostgreSQL not available: %s", testServer.skipWhy)
	}
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, testServer.url+"postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t%d", nextDB())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, testServer.url+name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// migratedPG returns a pool on a fresh database already migrated.
func migratedPG(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := needPG(t)
	if _, err := Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

var dbCount int

func nextDB() int { dbCount++; return dbCount }

func startPostgres() (stop func(), err error) {
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		return nil, fmt.Errorf("%s/initdb missing (apt-get install postgresql-15)", pgBin)
	}
	dir, err := os.MkdirTemp("", "mailflow-pg-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	run := func(args ...string) error {
		var cmd *exec.Cmd
		if os.Geteuid() == 0 {
			cmd = exec.Command("runuser", append([]string{"-u", "nobody", "--"}, args...)...)
		} else {
			cmd = exec.Command(args[0], args[1:]...)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %w\n%s", args, err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	sock := filepath.Join(dir, "sock")
	if err := os.Mkdir(sock, 0o777); err != nil {
		cleanup()
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			cleanup()
			return nil, err
		}
		var uid, gid int
		fmt.Sscan(u.Uid, &uid)
		fmt.Sscan(u.Gid, &gid)
		for _, p := range []string{dir, sock} {
			if err := os.Chown(p, uid, gid); err != nil {
				cleanup()
				return nil, err
			}
		}
	}
	if err := run(filepath.Join(pgBin, "initdb"), "-D", data, "-U", "mailflow", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		cleanup()
		return nil, err
	}
	port := 20000 + os.Getpid()%20000
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses='' -c fsync=off", sock, port)
	if err := run(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		cleanup()
		return nil, err
	}
	testServer.url = fmt.Sprintf("host=%s port=%d user=mailflow dbname=", sock, port)
	return func() {
		if err := run(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"); err != nil {
			fmt.Fprintln(os.Stderr, errors.Unwrap(err))
		}
		cleanup()
	}, nil
}
