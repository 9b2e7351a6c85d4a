package postfix

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mailflow-go/mailflow/attribution"
)

// DefaultRouteContext is the policy_context that asks a [PolicyServer]
// with a [Router] for the route of a message instead of the decision on a
// recipient.
const DefaultRouteContext = "mailflow-route"

// Defaults of [Router].
const (
	DefaultMaxMessages = 100000
	DefaultMessageTTL  = 10 * time.Minute
)

// Router routes relayed mail by the sending tenant's outbound connector,
// which Postfix's transport lookups cannot do (they see the recipient
// only). Postfix asks it at RCPT with a second check_policy_service whose
// policy_context is Context:
//
//	smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:10040, reject
//	smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:10040, policy_context=mailflow-route }
//	smtpd_end_of_data_restrictions = check_policy_service { inet:127.0.0.1:10040, policy_context=mailflow-route }
//
// For a relayed recipient whose sending tenant selects an outbound
// connector it answers "FILTER smtp:[host]:port" (smart hosts) or
// "FILTER smtp:" (UseMXRecord): Postfix then sends the whole message
// there (access(5) FILTER), whatever transport_maps says. Other accepted
// recipients are answered DUNNO and keep transport_maps' routing.
//
// A FILTER applies to the whole message, so every recipient of one
// message must share its route. The first accepted recipient fixes the
// message's route (keyed by Postfix's instance attribute, one per mail
// transaction); a later recipient needing another one is answered
// "452 4.5.3", the way MTAs split a message (RFC 5321 §4.5.3.1.10,
// RFC 3463 X.5.3 "Too many recipients": deliver the rest in another
// transaction), and a well-behaved client sends it again in a new one.
//
// smtpd still resolves each recipient through transport_maps and the
// default transports, and refuses at RCPT one that resolves to the error
// or retry transport, FILTER or not: default_transport and
// relay_transport must name a real delivery transport (.ci/postfix-e2e.sh
// found this with Postfix 3.7).
//
// The routes are forgotten at END-OF-MESSAGE, and those of transactions
// that never got there (RSET, a lost connection) once MessageTTL has
// passed since their last recipient; at most MaxMessages are kept, and a
// message beyond that is answered with a temporary failure.
type Router struct {
	// Context is the policy_context of route requests; "" means
	// DefaultRouteContext.
	Context string
	// Transport is the master.cf service of the FILTER answers; "" means
	// "smtp".
	Transport string
	// Port is the port of smart hosts; 0 means 25.
	Port int
	// MaxMessages bounds the messages whose route is kept; 0 means
	// DefaultMaxMessages.
	MaxMessages int
	// MessageTTL is how long a message's route is kept after its last
	// recipient; 0 means DefaultMessageTTL. It must exceed Postfix's
	// smtpd_timeout (300 s), the longest pause between two RCPTs.
	MessageTTL time.Duration

	mu        sync.Mutex
	msgs      map[string]routeEntry
	lastSweep time.Time
	now       func() time.Time // tests
}

type routeEntry struct {
	hop       string // "" for transport_maps' routing
	connector string // for the 452's text
	seen      time.Time
}

func (r *Router) context() string {
	if r.Context == "" {
		return DefaultRouteContext
	}
	return r.Context
}

func (r *Router) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

// Messages is how many messages' routes are kept now.
func (r *Router) Messages() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// route answers a route request at RCPT whose recipient was decided as
// rr in session result res.
func (r *Router) route(req *PolicyRequest, res *attribution.Result, log *slog.Logger) (string, error) {
	rr := &res.Recipients[0]
	if rr.Disposition == attribution.Reject {
		return replyAction(rr.Reply), nil
	}
	if req.Instance == "" {
		return ActionTempFail, &BadRequestError{Attribute: "instance", Msg: "empty: a route needs the message's instance"}
	}
	hop, name := "", ""
	if c := rr.Route.Connector(); rr.Disposition == attribution.Relay && c != nil {
		h, err := nextHop(c, r.Transport, r.Port, res.Tenant, log)
		if err != nil {
			return ActionTempFail, err
		}
		hop, name = h, c.Name
	}
	now := r.clock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.msgs == nil {
		r.msgs = make(map[string]routeEntry)
	}
	ttl := r.MessageTTL
	if ttl <= 0 {
		ttl = DefaultMessageTTL
	}
	e, ok := r.msgs[req.Instance]
	if ok && now.Sub(e.seen) > ttl {
		ok = false
	}
	if ok && e.hop != hop {
		return splitReply(e, name), nil
	}
	if !ok {
		max := r.MaxMessages
		if max <= 0 {
			max = DefaultMaxMessages
		}
		if len(r.msgs) >= max || now.Sub(r.lastSweep) > ttl/10 {
			r.sweep(now, ttl)
		}
		if len(r.msgs) >= max {
			return ActionOverload, &OverloadError{What: fmt.Sprintf("routes of %d messages kept (Router.MaxMessages)", max)}
		}
	}
	r.msgs[req.Instance] = routeEntry{hop: hop, connector: name, seen: now}
	if hop == "" {
		return ActionDunno, nil
	}
	return "FILTER " + hop, nil
}

// splitReply is the answer to a recipient whose route (connector name,
// "" for transport_maps) differs from its message's.
func splitReply(e routeEntry, name string) string {
	first, this := "default routing", "default routing"
	if e.connector != "" {
		first = "connector " + e.connector
	}
	if name != "" {
		this = "connector " + name
	}
	return oneLine(fmt.Sprintf("452 4.5.3 Too many recipients for one route: this one takes %s, the message %s; send it in a new transaction", this, first))
}

// forget drops the route of a finished message.
func (r *Router) forget(instance string) {
	r.mu.Lock()
	delete(r.msgs, instance)
	r.mu.Unlock()
}

// sweep drops expired routes; r.mu is held.
func (r *Router) sweep(now time.Time, ttl time.Duration) {
	r.lastSweep = now
	for k, e := range r.msgs {
		if now.Sub(e.seen) > ttl {
			delete(r.msgs, k)
		}
	}
}
