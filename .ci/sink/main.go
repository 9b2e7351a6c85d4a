// Command sink is the next hop of the Postfix end-to-end test
// (.ci/postfix-e2e.sh): a minimal SMTP server on loopback that accepts
// every message and writes it, with its envelope, to a file in a folder.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

var seq atomic.Int64

type session struct {
	dir  string
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = append(s.to, to); return nil }
func (s *session) Reset()                                      { s.from, s.to = "", nil }
func (s *session) Logout() error                               { return nil }

func (s *session) Data(r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	name := filepath.Join(s.dir, fmt.Sprintf("%d-%d.eml", time.Now().UnixNano(), seq.Add(1)))
	head := fmt.Sprintf("X-Sink-Mail-From: <%s>\nX-Sink-Rcpt-To: %s\n", s.from, strings.Join(s.to, ", "))
	if err := os.WriteFile(name, append([]byte(head), body...), 0o644); err != nil {
		return err
	}
	log.Printf("sink: message from <%s> to %v stored in %s", s.from, s.to, name)
	return nil
}

func main() {
	addr := flag.String("listen", "127.0.0.1:2626", "address to listen on")
	dir := flag.String("dir", "", "folder for received messages (required)")
	flag.Parse()
	if *dir == "" {
		log.Fatal("sink: --dir is required")
	}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{dir: *dir}, nil }))
	s.Addr = *addr
	s.Domain = "sink.test" // must differ from Postfix's myhostname, or Postfix sees a mail loop
	s.ReadTimeout, s.WriteTimeout = time.Minute, time.Minute
	log.Printf("sink: listening on %s", *addr)
	log.Fatal(s.ListenAndServe())
}
