#!/usr/bin/env bash
# End-to-end test of `mailflow serve` with a real Exim 4 (Debian's
# exim4-daemon-light) on loopback, mirroring .ci/postfix-e2e.sh: a private
# Exim asks mailflow about every RCPT (${readsocket}, the Postfix policy
# protocol, examples/exim/mailflow.conf) and routes through the connector
# mailflow selects to sink SMTP servers. swaks sends the mail.
#
# Run as root (CI does): bash .ci/exim-e2e.sh
# exim4-daemon-light conflicts with postfix in Debian, so it is not
# installed: its packages are downloaded (apt-get download) and unpacked
# (dpkg -x) under $EXIM_ROOT, and that binary runs with -C. Idempotent,
# cleans up after itself, listens on 127.0.0.1/127.0.0.2 only.
set -euo pipefail
cd "$(dirname "$0")/.."

PFX=${MAILFLOW_E2E_DIR:-/tmp/mailflow-exim-e2e}
EXIM_ROOT=${MAILFLOW_EXIM_ROOT:-/tmp/mailflow-exim-root}
SMTP_PORT=2527
SINK_PORT=${MAILFLOW_E2E_SINK_PORT:-2727}
POLICY_PORT=10050
SOCKETMAP_PORT=10051
TCP_PORT=10052

passed=0
failed=0
pass() { echo "  ok    $*"; passed=$((passed + 1)); }
fail() { echo "  FAIL  $*"; failed=$((failed + 1)); }

pids=()
mailflow_pid=
exim_pid=
cleanup() {
  for pid in "${pids[@]}" $mailflow_pid $exim_pid; do kill "$pid" 2>/dev/null || true; done
  if [ -f "$PFX/exim.pid" ]; then kill "$(cat "$PFX/exim.pid")" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap cleanup EXIT

dump_logs() {
  for f in mailflow.log sink1.log sink2.log log/mainlog log/rejectlog log/paniclog exim.err; do
    if [ -f "$PFX/$f" ]; then echo "---- last lines of $PFX/$f"; tail -n 40 "$PFX/$f"; fi
  done
}
die() { echo "exim-e2e: $*" >&2; dump_logs; exit 1; }

wait_port() { # wait_port PORT [ADDR]
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # wait_for FILE REGEX [SECONDS]
  local deadline=$((SECONDS + ${3:-20}))
  while [ $SECONDS -lt $deadline ]; do
    if [ -f "$1" ] && grep -Eq -- "$2" "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

start=$SECONDS
echo "== packages"
if ! command -v swaks >/dev/null || ! command -v openssl >/dev/null; then
  apt-get update -qq >/tmp/mailflow-e2e-apt.log 2>&1 || { cat /tmp/mailflow-e2e-apt.log; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq swaks openssl >>/tmp/mailflow-e2e-apt.log 2>&1 ||
    { cat /tmp/mailflow-e2e-apt.log; exit 1; }
fi
EXIM="$EXIM_ROOT/usr/sbin/exim4"
if [ ! -x "$EXIM" ]; then
  dl=$(mktemp -d)
  chmod 755 "$dl" # apt's _apt user downloads into it
  (cd "$dl" && apt-get download exim4-daemon-light exim4-base exim4-config >"$dl/apt.log" 2>&1) ||
    { apt-get update -qq && (cd "$dl" && apt-get download exim4-daemon-light exim4-base exim4-config); }
  mkdir -p "$EXIM_ROOT"
  for deb in "$dl"/*.deb; do dpkg -x "$deb" "$EXIM_ROOT"; done
  rm -rf "$dl"
fi
if ldd "$EXIM" | grep -q 'not found'; then ldd "$EXIM" | grep 'not found'; die "exim4 needs libraries that are missing"; fi
echo "$("$EXIM" -C /dev/null -bV 2>/dev/null | head -n 1), $(swaks --version | head -n 1)"

echo "== a fresh instance in $PFX"
if [ -f "$PFX/exim.pid" ]; then kill "$(cat "$PFX/exim.pid")" 2>/dev/null || true; fi
for f in "$PFX"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
rm -rf "$PFX"
mkdir -p "$PFX"/{spool,log,certs,bin,sink1,sink2}
chmod 755 "$PFX"
chown mail:mail "$PFX/spool" "$PFX/log"
for port in $SMTP_PORT $SINK_PORT $POLICY_PORT $SOCKETMAP_PORT $TCP_PORT; do
  port_free "$port" || die "port $port on 127.0.0.1 is in use"
done

echo "== certificates"
(
  cd "$PFX/certs"
  ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj "/O=MailflowTest/CN=Test CA" 2>/dev/null
  issue() {
    openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "$1.crt" \
      -extfile <(printf '%s\n' "$3") 2>/dev/null
  }
  issue server "/CN=mx.test.local" "subjectAltName=DNS:mx.test.local,IP:127.0.0.1
extendedKeyUsage=serverAuth"
  issue contoso "/O=Contoso/CN=mail.contoso.com" "extendedKeyUsage=clientAuth"
  chmod 644 ./*.crt
  chmod 640 ./*.key
  chgrp mail ./*.key
)

echo "== build"
go build -o "$PFX/bin/mailflow" ./cmd/mailflow
go -C .ci/sink build -o "$PFX/bin/sink" .

echo "== mailflow configuration"
# Two tenants. contoso as in the Postfix test (on-premises at 127.0.0.1,
# partner.test through smart host 127.0.0.1); fabrikam's on-premises
# servers send from 127.0.0.2 and its partner connector's smart host is
# 127.0.0.2: sink2. The same recipient domain goes to each tenant's own hop.
cat >"$PFX/mailflow.yaml" <<EOF
Tenants:
  - Id: contoso
    AcceptedDomains:
      - { DomainName: contoso.com }
    OutboundConnectors:
      - { Name: To on-premises, ConnectorType: OnPremises, AllAcceptedDomains: true, SmartHosts: [127.0.0.1] }
      - { Name: To partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [127.0.0.1] }
    InboundConnectors:
      - { Name: From on-premises (certificate), ConnectorType: OnPremises, TlsSenderCertificateName: "*.contoso.com", RequireTls: true }
      - { Name: From on-premises (IP), ConnectorType: OnPremises, SenderIPAddresses: [127.0.0.1] }
  - Id: fabrikam
    AcceptedDomains:
      - { DomainName: fabrikam.com }
    OutboundConnectors:
      - { Name: Fabrikam to partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [127.0.0.2] }
    InboundConnectors:
      - { Name: Fabrikam on-premises (IP), ConnectorType: OnPremises, SenderIPAddresses: [127.0.0.2] }
EOF
start_mailflow() {
  "$PFX/bin/mailflow" serve --config "$PFX/mailflow.yaml" \
    --policy "127.0.0.1:$POLICY_PORT" --socketmap "127.0.0.1:$SOCKETMAP_PORT" --tcp-table "127.0.0.1:$TCP_PORT" \
    --next-hop-port "$SINK_PORT" --log-level info >>"$PFX/mailflow.log" 2>&1 &
  mailflow_pid=$!
  for port in $POLICY_PORT $SOCKETMAP_PORT $TCP_PORT; do
    wait_port "$port" || die "mailflow serve did not listen on $port"
  done
}

echo "== sinks and mailflow serve"
"$PFX/bin/sink" --listen "127.0.0.1:$SINK_PORT" --dir "$PFX/sink1" >"$PFX/sink1.log" 2>&1 &
pids+=($!)
"$PFX/bin/sink" --listen "127.0.0.2:$SINK_PORT" --dir "$PFX/sink2" >"$PFX/sink2.log" 2>&1 &
pids+=($!)
wait_port $SINK_PORT || die "sink1 did not listen"
wait_port $SINK_PORT 127.0.0.2 || die "sink2 did not listen"
start_mailflow

echo "== exim"
cat >"$PFX/exim.conf" <<EOF
HOSTNAME = mx.test.local
SPOOL = $PFX/spool
LOGS = $PFX/log/%slog
EXIM_USER = mail
TLS_CERT = $PFX/certs/server.crt
TLS_KEY = $PFX/certs/server.key
TLS_CA = $PFX/certs/ca.crt
MAILFLOW_POLICY = inet:127.0.0.1:$POLICY_PORT
MAILFLOW_TABLE = inet:127.0.0.1:$TCP_PORT
local_interfaces = <; 127.0.0.1.$SMTP_PORT
pid_file_path = $PFX/exim.pid
exim_path = $EXIM
.include $PWD/examples/exim/mailflow.conf
EOF
"$EXIM" -C "$PFX/exim.conf" -bV >/dev/null 2>"$PFX/exim.err" || die "exim rejects the configuration"
"$EXIM" -C "$PFX/exim.conf" -bd -oX "<; 127.0.0.1.$SMTP_PORT" -oP "$PFX/exim.pid" 2>>"$PFX/exim.err"
wait_port $SMTP_PORT || die "exim did not listen on $SMTP_PORT"

send() { # send NAME ARGS...
  local name=$1
  shift
  status=0
  swaks --server 127.0.0.1 --port $SMTP_PORT --helo client.test --timeout 30 \
    --header "Subject: mailflow e2e $name" "$@" >"$PFX/$name.swaks" 2>&1 || status=$?
}

expect_relayed() { # expect_relayed NAME RCPT SINK ROUTER
  if [ "$status" -ne 0 ]; then
    fail "$1: swaks exited $status, want 0"; grep -E '^ *(<~?\*|<-) ' "$PFX/$1.swaks" | tail -n 5 | sed 's/^/        /'
    return
  fi
  # the delivery's log line is in the message log ($4: the router)
  local deadline=$((SECONDS + 20))
  while [ $SECONDS -lt $deadline ] && ! grep -lq -- "X-Sink-Rcpt-To: $2" "$PFX/$3"/*.eml 2>/dev/null; do sleep 0.1; done
  if grep -lq -- "X-Sink-Rcpt-To: $2" "$PFX/$3"/*.eml 2>/dev/null; then
    pass "$1: $2 relayed to $3 by router $4"
  else
    fail "$1: $2 did not reach $3 by router $4"
  fi
}
expect_refused() { # expect_refused NAME CODE
  if [ "$status" -eq 24 ] && grep -Eq -- "^ *<[~*]\* $2" "$PFX/$1.swaks"; then
    pass "$1: refused at RCPT with $2"
    grep -E -- "$2" "$PFX/$1.swaks" | tail -n 1 | sed 's/^/        /'
  else
    fail "$1: swaks exited $status, want 24 with $2"; grep -E '^ *(<~?\*|<-) ' "$PFX/$1.swaks" | tail -n 5 | sed 's/^/        /'
  fi
}
expect_decision() { # expect_decision RCPT REGEX
  if wait_for "$PFX/mailflow.log" "msg=policy .*recipient=$1 .*$2" 5; then
    pass "mailflow decided $1: $2"
  else
    fail "mailflow's decision for $1 does not match $2"
  fi
}

echo "== 1. internet mail to an accepted domain goes on-premises (tcp_table)"
send deliver --from someone@foreign.example --to bob@contoso.com
expect_relayed deliver bob@contoso.com sink1 mailflow_table
expect_decision bob@contoso.com 'disposition=deliver .*action=OK'

echo "== 2. relay for contoso's on-premises sender (IP connector)"
send relay-contoso --from alice@contoso.com --to carol@partner.test
expect_relayed relay-contoso carol@partner.test sink1 mailflow_filter
expect_decision carol@partner.test 'tenant=contoso .*basis=mail-from .*action=OK'

echo "== 3. ATTR36: a sender the tenant does not own"
send attr36 --from someone@foreign.example --to sun@partner.test
expect_refused attr36 "550 5.7.64"
expect_decision sun@partner.test 'action="550 5.7.64 Relay Access Denied ATTR36"'
if grep -q "rejected RCPT <sun@partner.test>: 550 5.7.64 Relay Access Denied ATTR36" "$PFX/log/mainlog"; then
  pass "Exim logged mailflow's ATTR36 rejection"
else fail "no ATTR36 rejection in Exim's log"; fi

echo "== 4. multi-tenant outbound: fabrikam's mail to partner.test goes to fabrikam's smart host"
send relay-fabrikam --local-interface 127.0.0.2 --from ann@fabrikam.com --to dora@partner.test
expect_relayed relay-fabrikam dora@partner.test sink2 mailflow_filter
expect_decision dora@partner.test 'tenant=fabrikam .*action=OK'

echo "== 5. a verified client certificate (ccert_subject from Exim's \$tls_in_peercert)"
send cert-contoso --tls --tls-cert "$PFX/certs/contoso.crt" --tls-key "$PFX/certs/contoso.key" --from '<>' --to dave@partner.test
expect_relayed cert-contoso dave@partner.test sink1 mailflow_filter
expect_decision dave@partner.test 'cert=mail.contoso.com cert_source=ccert_subject .*basis=certificate .*action=OK'

echo "== 6. mailflow down: Exim fails closed, temporarily"
kill -TERM "$mailflow_pid"
wait "$mailflow_pid" 2>/dev/null || true
mailflow_pid=
send down --from alice@contoso.com --to heidi@partner.test
if [ "$status" -ne 0 ] && grep -Eq "^ *<[~*]\* 451 4\.3\.5" "$PFX/down.swaks"; then
  pass "down: swaks exited $status with 451 4.3.5"
  grep "451 4.3.5" "$PFX/down.swaks" | tail -n 1 | sed 's/^/        /'
else
  fail "down: swaks exited $status, want a 451 4.3.5"; grep -E '^ *(<~?\*|<-) ' "$PFX/down.swaks" | tail -n 5 | sed 's/^/        /'
fi
echo "== 7. mailflow back"
start_mailflow
send back --from alice@contoso.com --to ivan@partner.test
expect_relayed back ivan@partner.test sink1 mailflow_filter

echo "== $((SECONDS - start)) s"
if [ "$failed" -gt 0 ]; then dump_logs; fi
echo "exim-e2e: done"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
