#!/usr/bin/env bash
# End-to-end test of `mailflow serve` with a real Postfix (Debian's
# package) on loopback: a private Postfix instance asks mailflow about
# every RCPT (check_policy_service) and routes through the connector
# mailflow selects (transport_maps: socketmap, tcp_table) to a sink SMTP
# server. swaks sends the mail, with and without TLS client certificates.
#
# Run as root (CI does): bash .ci/postfix-e2e.sh
# It installs postfix, swaks and openssl when missing, is idempotent (a
# previous run's instance is stopped and its folder removed) and cleans up
# after itself. Everything listens on 127.0.0.1 only. Takes well under a
# minute once the packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PFX=${MAILFLOW_E2E_DIR:-/tmp/mailflow-postfix-e2e}
SMTP_PORT=2525       # Postfix smtpd
SINK_PORT=2626       # the next hop the connectors name
POLICY_PORT=10040    # mailflow serve --policy
SOCKETMAP_PORT=10041 # mailflow serve --socketmap
TCP_PORT=10042       # mailflow serve --tcp-table

passed=0
failed=0
pass() { echo "  ok    $*"; passed=$((passed + 1)); }
fail() { echo "  FAIL  $*"; failed=$((failed + 1)); }

pids=()
mailflow_pid=
cleanup() {
  if [ -f "$PFX/conf/main.cf" ]; then postfix -c "$PFX/conf" stop >/dev/null 2>&1 || true; fi
  for pid in "${pids[@]}" $mailflow_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

dump_logs() {
  for f in mailflow.log sink.log maillog; do
    if [ -f "$PFX/$f" ]; then echo "---- last lines of $PFX/$f"; tail -n 40 "$PFX/$f"; fi
  done
}

die() { echo "postfix-e2e: $*" >&2; dump_logs; exit 1; }

# wait_port PORT: until something accepts connections on 127.0.0.1:PORT.
wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for FILE REGEX [SECONDS]: until FILE has a line matching REGEX.
wait_for() {
  local deadline=$((SECONDS + ${3:-20}))
  while [ $SECONDS -lt $deadline ]; do
    if [ -f "$1" ] && grep -Eq -- "$2" "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

start=$SECONDS
echo "== packages"
if ! command -v postfix >/dev/null || ! command -v swaks >/dev/null || ! command -v openssl >/dev/null; then
  apt-get update -qq >/tmp/mailflow-e2e-apt.log 2>&1 || { cat /tmp/mailflow-e2e-apt.log; exit 1; }
  # "No configuration": no /etc/postfix/main.cf, so the system instance
  # never starts; the test runs its own with postfix -c.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "postfix postfix/mailname string localhost" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix swaks openssl >>/tmp/mailflow-e2e-apt.log 2>&1 ||
    { cat /tmp/mailflow-e2e-apt.log; exit 1; }
fi
echo "postfix $(postconf -d -h mail_version), $(swaks --version | head -n 1), $(openssl version)"

echo "== a fresh instance in $PFX"
if [ -f "$PFX/conf/main.cf" ]; then postfix -c "$PFX/conf" stop >/dev/null 2>&1 || true; fi
for f in "$PFX"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
rm -rf "$PFX"
# The postfix user must be able to traverse the folder (mktemp's 700 is
# not enough: master fails on its lock file).
# queue_directory must exist; data_directory must not (postfix check makes it,
# owned by postfix).
mkdir -p "$PFX"/{conf,spool,certs,bin,sink}
chmod 755 "$PFX"
chmod 777 "$PFX/sink"
for port in $SMTP_PORT $SINK_PORT $POLICY_PORT $SOCKETMAP_PORT $TCP_PORT; do
  port_free "$port" || die "port $port on 127.0.0.1 is in use"
done

echo "== certificates"
(
  cd "$PFX/certs"
  ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj "/O=MailflowTest/CN=Test CA" 2>/dev/null
  # issue NAME SUBJECT EXTENSIONS: a certificate signed by the test CA.
  issue() {
    openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "$1.crt" \
      -extfile <(printf '%s\n' "$3") 2>/dev/null
  }
  issue server "/CN=mx.test.local" "subjectAltName=DNS:mx.test.local,IP:127.0.0.1
extendedKeyUsage=serverAuth"
  # A certificate of contoso's on-premises server: its CN proves contoso.com.
  issue contoso "/O=Contoso/CN=mail.contoso.com" "extendedKeyUsage=clientAuth"
  # Verified too, but its CN is under no accepted domain.
  issue foreign "/O=Unrelated/CN=mail.unrelated.example" "extendedKeyUsage=clientAuth"
  # Self-signed, so Postfix cannot verify it (no ccert_subject); mailflow
  # knows it by its pinned fingerprint.
  openssl req -x509 $ec -keyout pinned.key -out pinned.crt -days 2 -subj "/CN=legacy-device.example" \
    -addext "extendedKeyUsage=clientAuth" 2>/dev/null
  chmod 600 ./*.key
)
pinned_fp=$(openssl x509 -in "$PFX/certs/pinned.crt" -noout -fingerprint -sha256 | cut -d= -f2)

echo "== build"
go build -o "$PFX/bin/mailflow" ./cmd/mailflow
go -C .ci/sink vet . # a module of its own: go-smtp stays out of the library's go.mod
go -C .ci/sink build -o "$PFX/bin/sink" .

echo "== mailflow configuration"
# Tenant contoso: contoso.com (Postfix's relay_domains) is accepted; mail for
# it goes on-premises, mail for partner.test to the partner, both through
# smart host 127.0.0.1, which --next-hop-port 2626 makes the sink. Its
# on-premises servers are recognised by certificate (*.contoso.com) and by
# IP (127.0.0.1, where every test client comes from, so that ATTR36 can
# happen: an IP-based connector may relay only for the tenant's senders).
write_config() {
  cat >"$PFX/mailflow.yaml" <<EOF
Tenants:
  - Id: contoso
    AcceptedDomains:
      - { DomainName: contoso.com }
$1
    OutboundConnectors:
      - { Name: To on-premises, ConnectorType: OnPremises, AllAcceptedDomains: true, SmartHosts: [127.0.0.1] }
      - { Name: To partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [127.0.0.1] }
    InboundConnectors:
      - { Name: From on-premises (certificate), ConnectorType: OnPremises, TlsSenderCertificateName: "*.contoso.com", RequireTls: true }
      - { Name: From on-premises (IP), ConnectorType: OnPremises, SenderIPAddresses: [127.0.0.1] }
${2:-}
EOF
}
# Tenant fabrikam (section 8): its on-premises server is 127.0.0.3 and its
# partner connector's smart host 127.0.0.2, where the second sink listens.
FABRIKAM='  - Id: fabrikam
    AcceptedDomains:
      - { DomainName: fabrikam.com }
    OutboundConnectors:
      - { Name: Fabrikam to partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [127.0.0.2],
          TlsSettings: DomainValidation, TlsDomain: mx.partner.test }
    InboundConnectors:
      - { Name: Fabrikam on-premises, ConnectorType: OnPremises, SenderIPAddresses: [127.0.0.3] }'

write_config ""
cat >"$PFX/pins.yaml" <<EOF
Pins:
  - Fingerprint: "$pinned_fp"
    Names: [mail.contoso.com]
EOF
"$PFX/bin/mailflow" lint --config "$PFX/mailflow.yaml" | sed 's/^/  lint: /' || true

start_mailflow() {
  "$PFX/bin/mailflow" serve --config "$PFX/mailflow.yaml" --pins "$PFX/pins.yaml" \
    --policy "127.0.0.1:$POLICY_PORT" --socketmap "127.0.0.1:$SOCKETMAP_PORT" --tcp-table "127.0.0.1:$TCP_PORT" \
    --next-hop-port "$SINK_PORT" --log-level info >>"$PFX/mailflow.log" 2>&1 &
  mailflow_pid=$!
  echo $mailflow_pid >"$PFX/mailflow.pid"
  for port in $POLICY_PORT $SOCKETMAP_PORT $TCP_PORT; do
    wait_port "$port" || die "mailflow serve did not listen on $port"
  done
}

echo "== sink and mailflow serve"
"$PFX/bin/sink" --listen "127.0.0.1:$SINK_PORT" --dir "$PFX/sink" >"$PFX/sink.log" 2>&1 &
pids+=($!)
echo $! >"$PFX/sink.pid"
wait_port $SINK_PORT || die "the sink did not listen"
# The second sink: fabrikam's smart host, same port on another loopback address.
mkdir -p "$PFX/sink2" && chmod 777 "$PFX/sink2"
"$PFX/bin/sink" --listen "127.0.0.2:$SINK_PORT" --dir "$PFX/sink2" >"$PFX/sink2.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.2/$SINK_PORT") 2>/dev/null && break; sleep 0.1; done
start_mailflow

echo "== postfix"
cat >"$PFX/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PFX/spool
data_directory = $PFX/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.local
mydomain = test.local
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# No restriction uses permit_mynetworks: mailflow alone decides relaying.
mynetworks = 127.0.0.1/32
relay_domains = contoso.com
alias_maps =
alias_database =
local_recipient_maps =
# Whatever mailflow does not route stays queued (port 9 is closed): nothing
# leaves the machine. Not error: or retry:, smtpd refuses at RCPT a
# recipient resolving to those, FILTER or not, which defeats the Router
# (section 8): default routing must name a real delivery transport.
default_transport = smtp:[127.0.0.1]:9
relay_transport = smtp:[127.0.0.1]:9
maillog_file = $PFX/maillog
maillog_file_prefixes = /var, /dev/stdout, $PFX
smtpd_banner = \$myhostname ESMTP test
smtpd_tls_cert_file = $PFX/certs/server.crt
smtpd_tls_key_file = $PFX/certs/server.key
smtpd_tls_CAfile = $PFX/certs/ca.crt
smtpd_tls_security_level = may
smtpd_tls_ask_ccert = yes
smtpd_tls_fingerprint_digest = sha256
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
# mailflow decides each RCPT: OK permits, its reply rejects, and the final
# reject (which Postfix insists on) catches anything else. The policy
# service's default_action stays "451 4.3.5": mailflow down fails closed.
smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:$POLICY_PORT, reject
# Several sending tenants: the second service call asks for the message's
# route (FILTER smtp:[host]:port, or 452 4.5.3 to split the message).
smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:$POLICY_PORT, policy_context=mailflow-route, default_action=DEFER }
smtpd_end_of_data_restrictions = check_policy_service { inet:127.0.0.1:$POLICY_PORT, policy_context=mailflow-route, default_action=DUNNO }
transport_maps = socketmap:inet:127.0.0.1:$SOCKETMAP_PORT:transport, tcp:127.0.0.1:$TCP_PORT
smtp_tls_security_level = none
EOF
cat >"$PFX/conf/master.cf" <<EOF
$SMTP_PORT      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
postfix -c "$PFX/conf" check
postfix -c "$PFX/conf" start
wait_port $SMTP_PORT || die "postfix did not listen on $SMTP_PORT"

# send NAME ARGS...: one swaks session; its output goes to $PFX/NAME.swaks,
# its exit status to $status.
send() {
  local name=$1
  shift
  status=0
  swaks --server 127.0.0.1 --port $SMTP_PORT --helo client.test --timeout 30 \
    --header "Subject: mailflow e2e $name" "$@" >"$PFX/$name.swaks" 2>&1 || status=$?
}
tls_as() { echo --tls --tls-cert "$PFX/certs/$1.crt" --tls-key "$PFX/certs/$1.key"; }

# expect_relayed NAME RCPT [HOST [SINKDIR]]: swaks succeeded and the sink
# at HOST (default 127.0.0.1) got RCPT through the next hop mailflow gave.
expect_relayed() {
  local host=${3:-127.0.0.1} dir=${4:-sink} hre
  if [ "$status" -ne 0 ]; then
    fail "$1: swaks exited $status, want 0"; sed 's/^/        /' "$PFX/$1.swaks" | grep -E '^ *(<~?\*|<-) ' | tail -n 5
    return
  fi
  hre=${host//./\\.}
  if wait_for "$PFX/maillog" "to=<$2>, relay=$hre\\[$hre\\]:$SINK_PORT,.*status=sent" &&
    grep -lq -- "X-Sink-Rcpt-To: $2" "$PFX/$dir"/*.eml 2>/dev/null; then
    pass "$1: $2 relayed to the sink via smtp:[$host]:$SINK_PORT"
    grep -E "to=<$2>, relay=" "$PFX/maillog" | tail -n 1 | sed 's/^/        /'
  else
    fail "$1: $2 did not reach the sink"
  fi
}

# expect_refused NAME CODE: swaks exited 24 (RCPT refused) with CODE.
expect_refused() {
  if [ "$status" -eq 24 ] && grep -Eq -- "^ *<[~*]\* $2" "$PFX/$1.swaks"; then
    pass "$1: refused at RCPT with $2"
    grep -E -- "$2" "$PFX/$1.swaks" | tail -n 1 | sed 's/^/        /'
  else
    fail "$1: swaks exited $status, want 24 with $2"; grep -E '^ *(<~?\*|<-) ' "$PFX/$1.swaks" | tail -n 5 | sed 's/^/        /'
  fi
}

# expect_decision RCPT REGEX: mailflow's log line for RCPT matches REGEX.
expect_decision() {
  if wait_for "$PFX/mailflow.log" "msg=policy .*recipient=$1 .*$2" 5; then
    pass "mailflow decided $1: $2"
  else
    fail "mailflow's decision for $1 does not match $2"
  fi
}

echo "== transport lookups (postmap -q)"
for table in "socketmap:inet:127.0.0.1:$SOCKETMAP_PORT:transport" "tcp:127.0.0.1:$TCP_PORT"; do
  got=$(postmap -c "$PFX/conf" -q carol@partner.test "$table" || true)
  if [ "$got" = "smtp:[127.0.0.1]:$SINK_PORT" ]; then pass "$table: carol@partner.test -> $got"; else fail "$table: carol@partner.test -> '$got'"; fi
  if postmap -c "$PFX/conf" -q sun@internet.example "$table" >/dev/null 2>&1; then
    fail "$table: sun@internet.example found"
  else pass "$table: sun@internet.example not found (default routing)"; fi
done

echo "== 1. relay by MAIL FROM over the IP-based connector"
send relay-mailfrom --from alice@contoso.com --to carol@partner.test
expect_relayed relay-mailfrom carol@partner.test
expect_decision carol@partner.test 'basis=mail-from .*action=OK'

echo "== 2. ATTR36: no certificate, a sender the tenant does not own"
send attr36-null --from '<>' --to sun@partner.test
expect_refused attr36-null "550 5.7.64"
expect_decision sun@partner.test 'basis=connector .*action="550 5.7.64 Relay Access Denied ATTR36"'
send attr36-foreign --from someone@foreign.example --to sun@partner.test
expect_refused attr36-foreign "550 5.7.64"
if grep -q "NOQUEUE: reject: RCPT .* 550 5.7.64 <sun@partner.test>: Recipient address rejected: Relay Access Denied ATTR36" "$PFX/maillog"; then
  pass "Postfix logged mailflow's ATTR36 rejection"
else fail "no ATTR36 rejection in Postfix's log"; fi

echo "== 3. client certificates"
# The null sender (an NDR) relays only over a certificate proving contoso.com.
# shellcheck disable=SC2046
send cert-contoso $(tls_as contoso) --from '<>' --to dave@partner.test
expect_relayed cert-contoso dave@partner.test
expect_decision dave@partner.test 'cert=mail.contoso.com cert_source=ccert_subject .*basis=certificate .*action=OK'
# shellcheck disable=SC2046
send cert-foreign $(tls_as foreign) --from '<>' --to erin@partner.test
expect_refused cert-foreign "550 5.7.64"
expect_decision erin@partner.test 'cert=mail.unrelated.example .*basis=connector'
# Untrusted by Postfix, so no ccert_subject: attributed by its pinned fingerprint.
# shellcheck disable=SC2046
send cert-pinned $(tls_as pinned) --from '<>' --to frank@partner.test
expect_relayed cert-pinned frank@partner.test
expect_decision frank@partner.test 'cert_source=pin .*basis=certificate .*action=OK'

echo "== 4. internet mail to an accepted domain goes on-premises"
send deliver --from someone@foreign.example --to bob@contoso.com
expect_relayed deliver bob@contoso.com
expect_decision bob@contoso.com 'disposition=deliver .*action=OK'

echo "== 5. SIGHUP reload: foreign.example becomes contoso's"
write_config "      - { DomainName: foreign.example }"
kill -HUP "$mailflow_pid"
if wait_for "$PFX/mailflow.log" 'msg="configuration reloaded"' 5; then pass "mailflow reloaded"; else fail "no reload"; fi
send reload --from someone@foreign.example --to grace@partner.test
expect_relayed reload grace@partner.test

echo "== 6. mailflow down: Postfix fails closed, temporarily"
kill -TERM "$mailflow_pid"
wait "$mailflow_pid" 2>/dev/null && pass "mailflow serve stopped cleanly on SIGTERM" || fail "mailflow serve exited $? on SIGTERM"
mailflow_pid=
send down --from alice@contoso.com --to heidi@partner.test
if [ "$status" -ne 0 ] && grep -Eq "^ *<[~*]\* 451 4\.3\.5" "$PFX/down.swaks"; then
  pass "down: swaks exited $status with 451 4.3.5"
  grep "451 4.3.5" "$PFX/down.swaks" | tail -n 1 | sed 's/^/        /'
else
  fail "down: swaks exited $status, want a 451 4.3.5"; grep -E '^ *(<~?\*|<-) ' "$PFX/down.swaks" | tail -n 5 | sed 's/^/        /'
fi
echo "== 7. mailflow back: Postfix reconnects"
start_mailflow
# Another recipient: smtpd caches the last address resolution, failure included.
send back --from alice@contoso.com --to ivan@partner.test
expect_relayed back ivan@partner.test

echo "== 8. two sending tenants, one Postfix: the sender's connector routes"
write_config "" "$FABRIKAM"
kill -HUP "$mailflow_pid"
if wait_for "$PFX/mailflow.log" 'msg="configuration reloaded"' 5 && [ "$(grep -c 'msg="configuration reloaded"' "$PFX/mailflow.log")" -ge 2 ]; then
  pass "mailflow reloaded with fabrikam"
else fail "no reload with fabrikam"; fi
got=$(postmap -c "$PFX/conf" -q "[127.0.0.2]:$SINK_PORT" "socketmap:inet:127.0.0.1:$SOCKETMAP_PORT:tls_policy" || true)
if [ "$got" = "secure match=mx.partner.test" ]; then pass "tls_policy: [127.0.0.2]:$SINK_PORT -> $got"; else fail "tls_policy: [127.0.0.2]:$SINK_PORT -> '$got'"; fi
got=$(postmap -c "$PFX/conf" -q "[127.0.0.1]:$SINK_PORT" "socketmap:inet:127.0.0.1:$SOCKETMAP_PORT:tls_policy" || true)
if [ "$got" = "may" ]; then pass "tls_policy: [127.0.0.1]:$SINK_PORT -> $got"; else fail "tls_policy: [127.0.0.1]:$SINK_PORT -> '$got'"; fi
send mt-contoso --from alice@contoso.com --to kate@partner.test
expect_relayed mt-contoso kate@partner.test 127.0.0.1 sink
send mt-fabrikam --local-interface 127.0.0.3 --from bert@fabrikam.com --to lena@partner.test
expect_relayed mt-fabrikam lena@partner.test 127.0.0.2 sink2
expect_decision lena@partner.test 'tenant=fabrikam'

echo "== 9. one message, two routes: the second RCPT is split off with 452 4.5.3"
# fabrikam's partner mail goes to 127.0.0.2 (FILTER), contoso.com's by
# transport_maps to 127.0.0.1: one message cannot take both.
send mt-split --local-interface 127.0.0.3 --from bert@fabrikam.com --to mia@partner.test,nils@contoso.com
if grep -Eq '^ *<[~*]\* 452 4\.5\.3' "$PFX/mt-split.swaks"; then
  pass "mt-split: the second RCPT got 452 4.5.3"
  grep -E '452 4\.5\.3' "$PFX/mt-split.swaks" | tail -n 1 | sed 's/^/        /'
else
  fail "mt-split: no 452 4.5.3 (swaks exited $status)"; grep -E '^ *(<~?\*|<-) ' "$PFX/mt-split.swaks" | tail -n 5 | sed 's/^/        /'
fi
if wait_for "$PFX/maillog" "to=<mia@partner.test>, relay=127\.0\.0\.2\[127\.0\.0\.2\]:$SINK_PORT,.*status=sent" &&
  grep -lq -- "X-Sink-Rcpt-To: mia@partner.test" "$PFX"/sink2/*.eml 2>/dev/null; then
  pass "mt-split: the first RCPT went to fabrikam's sink"
else fail "mt-split: mia@partner.test did not reach fabrikam's sink"; fi
# What a client does with the 452: the rest in a new transaction.
send mt-split-2 --local-interface 127.0.0.3 --from bert@fabrikam.com --to nils@contoso.com
expect_relayed mt-split-2 nils@contoso.com 127.0.0.1 sink

echo "== 10. mailflow down with two tenants: temporary failure, then delivery"
kill -TERM "$mailflow_pid"
wait "$mailflow_pid" 2>/dev/null || true
mailflow_pid=
send mt-down --local-interface 127.0.0.3 --from bert@fabrikam.com --to otto@partner.test
if [ "$status" -ne 0 ] && grep -Eq '^ *<[~*]\* 4[0-9][0-9] 4\.' "$PFX/mt-down.swaks"; then
  pass "mt-down: swaks exited $status with a 4xx"
else fail "mt-down: swaks exited $status, want a 4xx"; fi
start_mailflow
send mt-back --local-interface 127.0.0.3 --from bert@fabrikam.com --to paul@partner.test
expect_relayed mt-back paul@partner.test 127.0.0.2 sink2

echo "== $((SECONDS - start)) s"
if [ "$failed" -gt 0 ]; then dump_logs; fi
echo "postfix-e2e: done"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
