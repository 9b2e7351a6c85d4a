package connector

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mailflow-go/mailflow/domain"
)

// pats parses patterns.
func pats(ss ...string) []domain.Pattern {
	var out []domain.Pattern
	for _, s := range ss {
		out = append(out, domain.MustParsePattern(s))
	}
	return out
}

// onPrem returns a valid OnPremises connector for the given recipient
// domains; "all" stands for AllAcceptedDomains and "*" sets
// RouteAllMessagesViaOnPremises as it must.
func onPrem(name string, domains ...string) Outbound {
	c := Outbound{Name: name, Enabled: true, ConnectorType: OnPremises,
		SmartHosts: []SmartHost{MustParseSmartHost("mail.contoso.com")}}
	for _, d := range domains {
		switch d {
		case "all":
			c.AllAcceptedDomains = true
		case "*":
			c.RouteAllMessagesViaOnPremises = true
			fallthrough
		default:
			c.RecipientDomains = append(c.RecipientDomains, domain.MustParsePattern(d))
		}
	}
	return c
}

// partner returns a valid Partner connector routing by MX.
func partner(name string, domains ...string) Outbound {
	return Outbound{Name: name, Enabled: true, ConnectorType: Partner, UseMXRecord: true, RecipientDomains: pats(domains...)}
}

func disabled(c Outbound) Outbound    { c.Enabled = false; return c }
func testMode(c Outbound) Outbound    { c.TestMode = true; return c }
func ruleScoped(name string) Outbound { c := partner(name); c.IsTransportRuleScoped = true; return c }

// accepted parses accepted domains; a leading "+" means InternalRelay with
// MatchSubDomains.
func accepted(names ...string) []domain.AcceptedDomain {
	var out []domain.AcceptedDomain
	for _, n := range names {
		a := domain.AcceptedDomain{}
		if m, ok := strings.CutPrefix(n, "+"); ok {
			a.Type, a.MatchSubDomains, n = domain.InternalRelay, true, m
		}
		a.Name = domain.MustParse(n)
		out = append(out, a)
	}
	return out
}

func mustTable(t testing.TB, conns []Outbound, acc []domain.AcceptedDomain, opts ...Option) *Table {
	t.Helper()
	tab, err := NewTable(conns, acc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// selString is "name rule pattern", or "none".
func selString(s Selection) string {
	if s.Connector() == nil {
		if s.Rule() != RuleNone || s.Pattern().IsValid() {
			return "BAD none with " + s.Rule().String() + " " + s.Pattern().String()
		}
		return "none"
	}
	return s.Connector().Name + " " + s.Rule().String() + " " + s.Pattern().String()
}

func TestSelect(t *testing.T) {
	worked := []Outbound{onPrem("C1", "all"), onPrem("C2", "contoso.com"), onPrem("C3", "*.contoso.com")}
	workedAcc := accepted("contoso.com", "sales.contoso.com", "fabrikam.com", "contoso.onmicrosoft.com")
	nested := []Outbound{
		partner("P1", "*.contoso.com"),
		partner("P2", "*.eu.contoso.com"),
		partner("P3", "paris.eu.contoso.com"),
		partner("P4", "contoso.com"),
		partner("P5", "evilcontoso.com", "*.bücher.de"),
	}
	subs := []Outbound{onPrem("C1", "all"), onPrem("C3", "*.sales.contoso.com")}
	subsAcc := accepted("+contoso.com", "fabrikam.com")
	inactive := []Outbound{
		disabled(partner("Off", "contoso.com")),
		partner("On", "*.contoso.com"),
		testMode(partner("Test", "sales.contoso.com")),
		disabled(partner("Off2", "*.contoso.com")), // no conflict with On: disabled
		testMode(onPrem("TestAll", "all")),
		ruleScoped("Rule"),
	}
	star := []Outbound{partner("Any", "*"), onPrem("C2", "contoso.com"), onPrem("C3", "all")}
	starAcc := accepted("fabrikam.com", "contoso.com")
	sameConn := []Outbound{onPrem("Both", "all", "*.contoso.com", "*"), partner("Exact", "sales.contoso.com")}
	sameAcc := accepted("contoso.com", "sales.contoso.com", "fabrikam.com")

	tests := []struct {
		conns []Outbound
		acc   []domain.AcceptedDomain
		prec  Precedence
		rcpt  string
		want  string // selString
	}{
		// The worked example, most-specific (the article's answers).
		{worked, workedAcc, MostSpecific, "fabrikam.com", "C1 all-accepted fabrikam.com"},
		{worked, workedAcc, MostSpecific, "contoso.com", "C2 exact contoso.com"},
		{worked, workedAcc, MostSpecific, "sales.contoso.com", "C3 wildcard *.contoso.com"},
		{worked, workedAcc, MostSpecific, "contoso.onmicrosoft.com", "C1 all-accepted contoso.onmicrosoft.com"},
		{worked, workedAcc, MostSpecific, "gmail.com", "none"},
		{worked, workedAcc, MostSpecific, "eu.sales.contoso.com", "C3 wildcard *.contoso.com"}, // not accepted; wildcard at any depth
		{worked, workedAcc, MostSpecific, "x.fabrikam.com", "none"},                            // fabrikam.com does not match subdomains
		// The worked example, listed-order: the list as written.
		{worked, workedAcc, ListedOrder, "sales.contoso.com", "C1 all-accepted sales.contoso.com"},
		{worked, workedAcc, ListedOrder, "contoso.com", "C2 exact contoso.com"}, // exact beats all-accepted too
		{worked, workedAcc, ListedOrder, "fabrikam.com", "C1 all-accepted fabrikam.com"},
		{worked, workedAcc, ListedOrder, "mail.contoso.com", "C3 wildcard *.contoso.com"}, // not accepted: wildcard
		{worked, workedAcc, ListedOrder, "gmail.com", "none"},

		// Apex ties and nested wildcards.
		{nested, nil, MostSpecific, "contoso.com", "P4 exact contoso.com"},                     // exact beats *.contoso.com on its apex
		{nested, nil, MostSpecific, "CONTOSO.com.", "P4 exact contoso.com"},                    // case and trailing dot folded by Parse
		{nested, nil, MostSpecific, "www.contoso.com", "P1 wildcard *.contoso.com"},            // one level down
		{nested, nil, MostSpecific, "a.b.c.contoso.com", "P1 wildcard *.contoso.com"},          // any depth
		{nested, nil, MostSpecific, "eu.contoso.com", "P2 wildcard *.eu.contoso.com"},          // a wildcard covers its own apex, and is longer
		{nested, nil, MostSpecific, "lyon.eu.contoso.com", "P2 wildcard *.eu.contoso.com"},     // *.eu.contoso.com beats *.contoso.com
		{nested, nil, ListedOrder, "lyon.eu.contoso.com", "P2 wildcard *.eu.contoso.com"},      // in both policies
		{nested, nil, MostSpecific, "paris.eu.contoso.com", "P3 exact paris.eu.contoso.com"},   // exact beats both wildcards
		{nested, nil, MostSpecific, "x.paris.eu.contoso.com", "P2 wildcard *.eu.contoso.com"},  // an exact entry does not cover subdomains
		{nested, nil, MostSpecific, "evilcontoso.com", "P5 exact evilcontoso.com"},             // its own entry, not *.contoso.com
		{nested, nil, MostSpecific, "mail.evilcontoso.com", "none"},                            // label boundary: not *.contoso.com
		{nested, nil, MostSpecific, "xcontoso.com", "none"},                                    // label boundary
		{nested, nil, MostSpecific, "contoso-evil.com", "none"},                                // '-' is not a boundary
		{nested, nil, MostSpecific, "contoso.com.evil.example", "none"},                        // the base must be a suffix
		{nested, nil, MostSpecific, "com", "none"},                                             // a parent of listed names is not covered
		{nested, nil, MostSpecific, "eu.contoso.com.", "P2 wildcard *.eu.contoso.com"},         // trailing dot
		{nested, nil, MostSpecific, "bücher.de", "P5 wildcard *.xn--bcher-kva.de"},             // IDN recipient, Unicode form
		{nested, nil, MostSpecific, "Mail.XN--BCHER-KVA.de", "P5 wildcard *.xn--bcher-kva.de"}, // IDN recipient, A-label form
		{nested, nil, MostSpecific, "bucher.de", "none"},                                       // not the same name
		{nested, nil, MostSpecific, "xn--bcher-kva.de.contoso.org", "none"},                    // IDN base must be a suffix too

		// MatchSubDomains accepted domains.
		{subs, subsAcc, MostSpecific, "contoso.com", "C1 all-accepted *.contoso.com"},         // the apex of a MatchSubDomains domain
		{subs, subsAcc, MostSpecific, "a.b.contoso.com", "C1 all-accepted *.contoso.com"},     // any subdomain is accepted
		{subs, subsAcc, MostSpecific, "sales.contoso.com", "C3 wildcard *.sales.contoso.com"}, // the wildcard is more specific
		{subs, subsAcc, MostSpecific, "x.sales.contoso.com", "C3 wildcard *.sales.contoso.com"},
		{subs, subsAcc, ListedOrder, "x.sales.contoso.com", "C1 all-accepted *.contoso.com"}, // listed-order: all-accepted first
		{subs, subsAcc, ListedOrder, "fabrikam.com", "C1 all-accepted fabrikam.com"},
		{subs, subsAcc, MostSpecific, "evilcontoso.com", "none"}, // label boundary for accepted domains too
		{subs, subsAcc, MostSpecific, "x.fabrikam.com", "none"},  // fabrikam.com does not match subdomains

		// Disabled, test-mode and rule-scoped connectors are never selected.
		{inactive, accepted("contoso.com"), MostSpecific, "contoso.com", "On wildcard *.contoso.com"},       // Off is disabled
		{inactive, accepted("contoso.com"), MostSpecific, "sales.contoso.com", "On wildcard *.contoso.com"}, // Test is in test mode
		{inactive, accepted("contoso.com"), ListedOrder, "contoso.com", "On wildcard *.contoso.com"},        // TestAll is in test mode
		{inactive, accepted("contoso.com"), MostSpecific, "fabrikam.com", "none"},                           // Rule is rule-scoped

		// "*".
		{star, starAcc, MostSpecific, "gmail.com", "Any any *"},                       // * catches everything else
		{star, starAcc, MostSpecific, "fabrikam.com", "C3 all-accepted fabrikam.com"}, // all-accepted beats *
		{star, starAcc, ListedOrder, "fabrikam.com", "C3 all-accepted fabrikam.com"},
		{star, starAcc, MostSpecific, "contoso.com", "C2 exact contoso.com"},
		{star, starAcc, MostSpecific, "bücher.de", "Any any *"},

		// One connector with several claims.
		{sameConn, sameAcc, MostSpecific, "contoso.com", "Both wildcard *.contoso.com"},        // its wildcard beats its own all-accepted
		{sameConn, sameAcc, ListedOrder, "contoso.com", "Both all-accepted contoso.com"},       // and the other way round
		{sameConn, sameAcc, ListedOrder, "sales.contoso.com", "Exact exact sales.contoso.com"}, // another connector's exact beats all of them
		{sameConn, sameAcc, MostSpecific, "gmail.com", "Both any *"},
		{sameConn, sameAcc, ListedOrder, "fabrikam.com", "Both all-accepted fabrikam.com"},
	}
	for _, tt := range tests {
		tab := mustTable(t, tt.conns, tt.acc, WithPrecedence(tt.prec))
		got := selString(tab.Select(domain.MustParse(tt.rcpt)))
		if got != tt.want {
			t.Errorf("%s: Select(%s) = %s, want %s", tt.prec, tt.rcpt, got, tt.want)
		}
		// The same through an address (which domain.FromAddress refuses
		// with a trailing dot).
		if strings.HasSuffix(tt.rcpt, ".") {
			continue
		}
		s, err := tab.SelectAddress("<john@" + tt.rcpt + ">")
		if err != nil {
			t.Errorf("SelectAddress: %v", err)
		} else if selString(s) != tt.want {
			t.Errorf("%s: SelectAddress(%s) = %s, want %s", tt.prec, tt.rcpt, selString(s), tt.want)
		}
	}
}

func TestSelectZero(t *testing.T) {
	var zero Table // the zero Table selects nothing
	if got := selString(zero.Select(domain.MustParse("contoso.com"))); got != "none" {
		t.Errorf("zero Table: Select = %s", got)
	}
	tab := mustTable(t, []Outbound{partner("Any", "*")}, nil)
	if got := selString(tab.Select(domain.Name{})); got != "none" { // the zero Name is no domain, not even for *
		t.Errorf("Select(zero Name) = %s", got)
	}
	empty := mustTable(t, nil, nil)
	if got := selString(empty.Select(domain.MustParse("contoso.com"))); got != "none" {
		t.Errorf("empty table: Select = %s", got)
	}
	if ds := empty.Disagreements(); ds != nil {
		t.Errorf("empty table: Disagreements = %v", ds)
	}
}

func TestSelectionValue(t *testing.T) {
	var none Selection // the zero Selection is "none"
	if none.Connector() != nil || none.Rule() != RuleNone || none.Pattern().IsValid() || none.String() != "none" {
		t.Errorf("zero Selection: %v %v %v %q", none.Connector(), none.Rule(), none.Pattern(), none)
	}
	tab := mustTable(t, []Outbound{onPrem("C1", "all"), partner("C2", "fabrikam.com", "*.fabrikam.com")}, accepted("+contoso.com"))
	for _, tt := range []struct {
		rcpt, json string
	}{
		{"fabrikam.com", `{"connector":"C2","rule":"exact","pattern":"fabrikam.com"}`},
		{"www.fabrikam.com", `{"connector":"C2","rule":"wildcard","pattern":"*.fabrikam.com"}`},
		{"a.contoso.com", `{"connector":"C1","rule":"all-accepted","pattern":"*.contoso.com"}`},
		{"gmail.com", `{"connector":null,"rule":"none","pattern":""}`},
	} {
		b, err := json.Marshal(tab.Select(domain.MustParse(tt.rcpt)))
		if err != nil || string(b) != tt.json {
			t.Errorf("json of Select(%s) = %s, %v; want %s", tt.rcpt, b, err, tt.json)
		}
	}
	// Equal answers compare equal; different ones do not.
	a, b := tab.Select(domain.MustParse("x.contoso.com")), tab.Select(domain.MustParse("y.z.contoso.com"))
	if a != b || a == tab.Select(domain.MustParse("fabrikam.com")) {
		t.Errorf("Selection equality: %v %v", a, b)
	}
}

func TestSelectAddressErrors(t *testing.T) {
	tab := mustTable(t, []Outbound{partner("Any", "*")}, nil)
	for _, tt := range []struct {
		addr string
		want error // sentinel, or nil for a plain syntax error
	}{
		{"<>", domain.ErrNullPath},                     // null sender has no domain
		{"", domain.ErrNullPath},                       // how MTAs pass the null sender
		{"john@[192.0.2.1]", domain.ErrAddressLiteral}, // an address literal is not a domain
		{"postmaster", domain.ErrNoDomain},             // no domain
		{"john@contoso..com", nil},                     // malformed
	} {
		s, err := tab.SelectAddress(tt.addr)
		if err == nil {
			t.Errorf("SelectAddress(%q) = %v, want an error", tt.addr, s)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("SelectAddress(%q) error %v, want %v", tt.addr, err, tt.want)
		}
		if s != (Selection{}) {
			t.Errorf("SelectAddress(%q) = %v with an error", tt.addr, s)
		}
	}
	s, err := tab.SelectAddress(`<@relay.example:"john@doe"@Contoso.COM>`) // source route and quoted @
	if err != nil || selString(s) != "Any any *" {
		t.Errorf("SelectAddress with source route = %v, %v", s, err)
	}
}

func TestByName(t *testing.T) {
	tab := mustTable(t, []Outbound{partner("To Fabrikam", "fabrikam.com"), ruleScoped("Rule Only"), disabled(partner("Off", "x.com"))}, nil)
	for _, tt := range []struct {
		name string
		want string // "" for not found
	}{
		{"Rule Only", "Rule Only"},     // rule-scoped connectors are found by name
		{"rule only", "Rule Only"},     // ignoring case
		{"To Fabrikam", "To Fabrikam"}, // so are the others
		{"Off", "Off"},                 // and disabled ones
		{"Rule", ""},                   // no prefix matching
		{"", ""},                       // no empty name
	} {
		c, ok := tab.ByName(tt.name)
		switch {
		case tt.want == "" && (ok || c != nil):
			t.Errorf("ByName(%q) = %v, want none", tt.name, c.Name)
		case tt.want != "" && (!ok || c.Name != tt.want):
			t.Errorf("ByName(%q) = %v, %v; want %s", tt.name, c, ok, tt.want)
		}
	}
	// The table keeps its own copy of the connectors.
	conns := []Outbound{partner("A", "a.com")}
	tab = mustTable(t, conns, nil)
	conns[0].Name = "changed"
	if c, ok := tab.ByName("A"); !ok || c.Name != "A" {
		t.Errorf("table shares the caller's slice")
	}
	// … and of their lists, and of the accepted domains.
	conns = []Outbound{partner("A", "a.com")}
	acc := []domain.AcceptedDomain{{Name: domain.MustParse("a.com")}}
	tab = mustTable(t, conns, acc)
	conns[0].RecipientDomains[0] = domain.MustParsePattern("b.com")
	acc[0].Name = domain.MustParse("b.com")
	if got := tab.Select(domain.MustParse("a.com")).ConnectorName(); got != "A" {
		t.Errorf("after changing the caller's RecipientDomains, a.com goes to %q", got)
	}
	if got := tab.Select(domain.MustParse("b.com")).ConnectorName(); got != "" {
		t.Errorf("after changing the caller's RecipientDomains, b.com goes to %q", got)
	}
	if got := tab.AcceptedDomains()[0].Name.String(); got != "a.com" {
		t.Errorf("accepted domain %s, want a.com", got)
	}
}

func TestNewTableErrors(t *testing.T) {
	tests := []struct {
		name  string
		conns []Outbound
		acc   []domain.AcceptedDomain
		opts  []Option
		want  []string // every error, in order
	}{{
		name:  "same exact domain",
		conns: []Outbound{onPrem("Connector 2", "contoso.com"), onPrem("Connector 4", "fabrikam.com", "contoso.com")},
		want:  []string{`connector: "Connector 2" and "Connector 4" both claim recipient domain contoso.com`},
	}, {
		name:  "same wildcard",
		conns: []Outbound{partner("A", "*.contoso.com"), partner("B", "*.contoso.com")},
		want:  []string{`connector: "A" and "B" both claim recipient domain *.contoso.com`},
	}, {
		name:  "two *",
		conns: []Outbound{partner("A", "*"), onPrem("B", "*")},
		want:  []string{`connector: "A" and "B" both claim recipient domain *`},
	}, {
		name:  "two AllAcceptedDomains",
		conns: []Outbound{onPrem("A", "all"), onPrem("B", "all")},
		want:  []string{`connector: "A" and "B" both have AllAcceptedDomains`},
	}, {
		name:  "three claimants: each later one is paired with the first",
		conns: []Outbound{partner("A", "x.com"), partner("B", "x.com"), partner("C", "x.com")},
		want: []string{
			`connector: "A" and "B" both claim recipient domain x.com`,
			`connector: "A" and "C" both claim recipient domain x.com`,
		},
	}, {
		name:  "exact and wildcard on one base do not conflict; disabled and test-mode connectors do not either",
		conns: []Outbound{partner("A", "x.com"), partner("B", "*.x.com"), disabled(partner("C", "x.com")), testMode(partner("D", "x.com")), disabled(onPrem("E", "all")), onPrem("F", "all")},
	}, {
		name:  "names are unique, ignoring case",
		conns: []Outbound{partner("To X", "x.com"), partner("to x", "y.com")},
		want:  []string{`connector "to x": Name: not unique: connectors 0 and 1 are both named "To X" (names are compared ignoring case)`},
	}, {
		name: "accepted domains are validated and unique",
		acc: []domain.AcceptedDomain{
			{Name: domain.MustParse("contoso.com")},
			{Name: domain.MustParse("contoso.com"), Type: domain.InternalRelay, MatchSubDomains: true},
			{Name: domain.MustParse("co.uk")},
		},
		want: []string{
			`connector: accepted domain 1: contoso.com is already accepted domain 0`,
			`connector: accepted domain 2: bad accepted domain "co.uk": a public suffix cannot be an accepted domain`,
		},
	}, {
		name: "every problem at once: validation, accepted domains, conflicts",
		conns: []Outbound{
			partner("A", "x.com"),
			{Name: "B", Enabled: true, ConnectorType: Partner, UseMXRecord: true, AllAcceptedDomains: true, RecipientDomains: pats("x.com")},
			partner("A", "y.com"),
		},
		acc: []domain.AcceptedDomain{{}},
		want: []string{
			`connector "B": AllAcceptedDomains: needs ConnectorType OnPremises`,
			`connector "A": Name: not unique: connectors 0 and 2 are both named "A" (names are compared ignoring case)`,
			`connector: accepted domain 0: bad accepted domain "": DomainName is empty`,
			`connector: "A" and "B" both claim recipient domain x.com`,
		},
	}, {
		name: "unknown precedence",
		opts: []Option{WithPrecedence(7)},
		want: []string{`connector: unknown precedence Precedence(7)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := NewTable(tt.conns, tt.acc, tt.opts...)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("NewTable: %v", err)
				}
				return
			}
			if tab != nil {
				t.Errorf("NewTable returned a table with an error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("NewTable error %T %v, want ErrorList", err, err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	// Conflicts are typed.
	_, err := NewTable([]Outbound{partner("A", "x.com"), partner("B", "x.com")}, nil)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.First != "A" || ce.Second != "B" || ce.Pattern.String() != "x.com" || ce.Field != "RecipientDomains" {
		t.Errorf("errors.As ConflictError: %+v", ce)
	}
}

func TestExplain(t *testing.T) {
	conns := []Outbound{
		onPrem("All", "all"),
		partner("Wide", "*.contoso.com"),
		partner("Narrow", "*.eu.contoso.com"),
		partner("Paris", "paris.eu.contoso.com"),
		disabled(partner("Old", "*.eu.contoso.com")),
		testMode(partner("Trial", "lyon.eu.contoso.com")),
		ruleScoped("By rule"),
		partner("Everything", "*"),
	}
	acc := accepted("+contoso.com")
	tests := []struct {
		prec   Precedence
		rcpt   string
		reason string
		cands  []string // "name rule pattern: why"
	}{{
		// The exact entry wins; every other claim lost, best first; then
		// the disabled one and the rule-scoped one.
		MostSpecific, "paris.eu.contoso.com",
		"Paris: exact match paris.eu.contoso.com; Narrow (wildcard *.eu.contoso.com) lost, Wide (wildcard *.contoso.com) lost, All (all accepted domains) lost and 1 more; Old (wildcard *.eu.contoso.com) is disabled",
		[]string{
			"Paris exact paris.eu.contoso.com: ",
			"Narrow wildcard *.eu.contoso.com: exact paris.eu.contoso.com beats wildcard *.eu.contoso.com",
			"Wide wildcard *.contoso.com: exact paris.eu.contoso.com beats wildcard *.contoso.com",
			"All all-accepted *.contoso.com: exact paris.eu.contoso.com beats all accepted domains",
			"Everything any *: exact paris.eu.contoso.com beats *",
			"Old wildcard *.eu.contoso.com: disabled",
			"By rule none : rule-scoped: chosen only by a mail flow rule that names it",
		},
	}, {
		// Longest wildcard; all-accepted loses under most-specific; the
		// test-mode connector is listed as such.
		MostSpecific, "lyon.eu.contoso.com",
		"Narrow: wildcard *.eu.contoso.com is the most specific match; Wide (wildcard *.contoso.com) lost, All (all accepted domains) lost under most-specific precedence, Everything (*) lost; Trial (exact lyon.eu.contoso.com) is in test mode, Old (wildcard *.eu.contoso.com) is disabled",
		[]string{
			"Narrow wildcard *.eu.contoso.com: ",
			"Wide wildcard *.contoso.com: wildcard *.eu.contoso.com is more specific than *.contoso.com",
			"All all-accepted *.contoso.com: wildcard *.eu.contoso.com beats all accepted domains under most-specific precedence",
			"Everything any *: wildcard *.eu.contoso.com beats *",
			"Trial exact lyon.eu.contoso.com: in test mode: never selected (Exchange documents no routing behaviour for test mode)",
			"Old wildcard *.eu.contoso.com: disabled",
			"By rule none : rule-scoped: chosen only by a mail flow rule that names it",
		},
	}, {
		// Listed-order: all-accepted beats the wildcards.
		ListedOrder, "lyon.eu.contoso.com",
		"All: all accepted domains (lyon.eu.contoso.com is accepted, below contoso.com, which matches subdomains); Narrow (wildcard *.eu.contoso.com) lost under listed-order precedence, Wide (wildcard *.contoso.com) lost under listed-order precedence, Everything (*) lost; Trial (exact lyon.eu.contoso.com) is in test mode, Old (wildcard *.eu.contoso.com) is disabled",
		nil,
	}, {
		// Nothing but *.
		MostSpecific, "gmail.com",
		"Everything: * matches every domain, and no more specific connector does",
		[]string{
			"Everything any *: ",
			"By rule none : rule-scoped: chosen only by a mail flow rule that names it",
		},
	}}
	for _, tt := range tests {
		tab := mustTable(t, conns, acc, WithPrecedence(tt.prec))
		ex := tab.Explain(domain.MustParse(tt.rcpt))
		if ex.Reason != tt.reason {
			t.Errorf("%s %s: reason\n%s\nwant\n%s", tt.prec, tt.rcpt, ex.Reason, tt.reason)
		}
		if tt.cands == nil {
			continue
		}
		var got []string
		for _, c := range ex.Candidates {
			got = append(got, c.Connector.Name+" "+c.Rule.String()+" "+c.Pattern.String()+": "+c.Why)
		}
		if strings.Join(got, "\n") != strings.Join(tt.cands, "\n") {
			t.Errorf("%s %s: candidates\n%s\nwant\n%s", tt.prec, tt.rcpt, strings.Join(got, "\n"), strings.Join(tt.cands, "\n"))
		}
	}

	none := mustTable(t, []Outbound{disabled(partner("Off", "contoso.com"))}, nil)
	if r := none.Explain(domain.MustParse("contoso.com")).Reason; r != "no connector: default routing (MX lookup or local delivery); Off (exact contoso.com) is disabled" {
		t.Errorf("no connector: reason %q", r)
	}
	if r := none.Explain(domain.Name{}).Reason; r != "no connector: not a valid domain name" {
		t.Errorf("zero name: reason %q", r)
	}
}

// TestDisagreements checks exact answers on hand-made tables; the
// differential test checks random ones against Select.
func TestDisagreements(t *testing.T) {
	tests := []struct {
		name  string
		conns []Outbound
		acc   []domain.AcceptedDomain
		want  []string // "pattern except [..]: ms / lo"
	}{{
		name:  "worked example: only sales.contoso.com",
		conns: []Outbound{onPrem("C1", "all"), onPrem("C2", "contoso.com"), onPrem("C3", "*.contoso.com")},
		acc:   accepted("contoso.com", "sales.contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"),
		want:  []string{"sales.contoso.com []: C3 (wildcard *.contoso.com) / C1 (all-accepted sales.contoso.com)"},
	}, {
		name:  "no all-accepted connector: never",
		conns: []Outbound{onPrem("C2", "contoso.com"), onPrem("C3", "*.contoso.com")},
		acc:   accepted("+contoso.com"),
	}, {
		name:  "the same connector on both sides is no disagreement",
		conns: []Outbound{onPrem("C1", "all", "*.contoso.com")},
		acc:   accepted("+contoso.com"),
	}, {
		name:  "MatchSubDomains under a wildcard: the whole subtree, minus exact claims and the other connectors' regions",
		conns: []Outbound{onPrem("All", "all"), partner("W", "*.contoso.com"), partner("E", "sales.contoso.com"), onPrem("W2", "*.eu.contoso.com")},
		acc:   accepted("+contoso.com"),
		want: []string{
			"*.contoso.com [*.eu.contoso.com *.sales.contoso.com]: W (wildcard *.contoso.com) / All (all-accepted *.contoso.com)",
			"*.eu.contoso.com []: W2 (wildcard *.eu.contoso.com) / All (all-accepted *.contoso.com)",
			"*.sales.contoso.com [sales.contoso.com]: W (wildcard *.contoso.com) / All (all-accepted *.contoso.com)",
		},
	}, {
		name:  "a wildcard below the accepted domain's own region",
		conns: []Outbound{onPrem("All", "all"), partner("W", "*.eu.contoso.com")},
		acc:   accepted("contoso.com", "eu.contoso.com", "+fabrikam.com"),
		want:  []string{"eu.contoso.com []: W (wildcard *.eu.contoso.com) / All (all-accepted eu.contoso.com)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := mustTable(t, tt.conns, tt.acc)
			var got []string
			for _, d := range tab.Disagreements() {
				var ex []string
				for _, e := range d.Except {
					ex = append(ex, e.String())
				}
				got = append(got, d.Pattern.String()+" ["+strings.Join(ex, " ")+"]: "+d.MostSpecific.String()+" / "+d.ListedOrder.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestNoAllocs: Select allocates nothing, for a hit of every rule and a
// miss, under both policies.
func TestNoAllocs(t *testing.T) {
	conns := []Outbound{onPrem("C1", "all"), onPrem("C2", "contoso.com"), onPrem("C3", "*.contoso.com"), partner("Any", "*")}
	acc := accepted("contoso.com", "sales.contoso.com", "fabrikam.com", "+relay.example")
	for _, p := range []Precedence{MostSpecific, ListedOrder} {
		tab := mustTable(t, conns, acc, WithPrecedence(p))
		noAny := mustTable(t, conns[:3], acc, WithPrecedence(p))
		for _, tt := range []struct {
			tab  *Table
			name string
			rule Rule
		}{
			{tab, "contoso.com", RuleExact},
			{tab, "a.b.sales.contoso.com", RuleWildcard},
			{tab, "fabrikam.com", RuleAllAccepted},
			{tab, "x.y.relay.example", RuleAllAccepted},
			{tab, "gmail.com", RuleAny},
			{noAny, "a.b.c.gmail.com", RuleNone},
		} {
			d := domain.MustParse(tt.name)
			if got := tt.tab.Select(d).Rule(); got != tt.rule {
				t.Errorf("%s: Select(%s).Rule = %s, want %s", p, tt.name, got, tt.rule)
			}
			if n := testing.AllocsPerRun(100, func() { tt.tab.Select(d) }); n != 0 {
				t.Errorf("%s: Select(%s) allocates %v times", p, tt.name, n)
			}
		}
	}
}

// TestConcurrentSelect runs readers in parallel, for the race detector.
func TestConcurrentSelect(t *testing.T) {
	conns := []Outbound{onPrem("C1", "all"), onPrem("C2", "contoso.com"), onPrem("C3", "*.contoso.com")}
	tab := mustTable(t, conns, accepted("contoso.com", "sales.contoso.com"))
	names := []domain.Name{domain.MustParse("contoso.com"), domain.MustParse("sales.contoso.com"), domain.MustParse("gmail.com")}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 1000 {
				d := names[i%len(names)]
				tab.Select(d)
				if i%100 == 0 {
					tab.Explain(d)
					tab.Disagreements()
				}
			}
		})
	}
	wg.Wait()
}

// TestZeroSelection: the zero Selection is "none", and every method is
// safe on it.
func TestZeroSelection(t *testing.T) {
	var s Selection
	if s.Connector() != nil || s.ConnectorName() != "" || s.Rule() != RuleNone || s.Pattern().IsValid() || s.String() != "none" {
		t.Errorf("zero Selection = %v %q %v %v %q", s.Connector(), s.ConnectorName(), s.Rule(), s.Pattern(), s.String())
	}
	if b, err := s.MarshalJSON(); err != nil || string(b) != `{"connector":null,"rule":"none","pattern":""}` {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
	// An Outbound written as a struct literal without ConnectorType is
	// refused with a message saying so, rather than silently misbehaving.
	_, err := NewTable([]Outbound{{Name: "Literal", RecipientDomains: []domain.Pattern{domain.MustParsePattern("contoso.com")}}}, nil)
	if err == nil || !strings.Contains(err.Error(), `connector "Literal": ConnectorType: not set`) {
		t.Errorf("struct literal: %v", err)
	}
}

// TestRuleOrder: decide relies on exact coming first and * last under
// every policy; only the place of wildcard and all-accepted differs.
func TestRuleOrder(t *testing.T) {
	for p := range ruleOrder {
		order := ruleOrder[p]
		if order[0] != RuleExact || order[len(order)-1] != RuleAny {
			t.Errorf("%s: order %v, want exact first and any last", Precedence(p), order)
		}
	}
	if !wildBeforeAll[MostSpecific] || wildBeforeAll[ListedOrder] {
		t.Errorf("wildBeforeAll = %v", wildBeforeAll)
	}
	if !policyDecides(RuleWildcard, RuleAllAccepted) || policyDecides(RuleExact, RuleWildcard) {
		t.Error("policyDecides disagrees with ruleOrder")
	}
}

// TestSelectBelow: SelectBelow answers as Select does for a subdomain
// of d that the table does not know, and differs from Select at d itself
// where d's own claims (exact, accepted) decide.
func TestSelectBelow(t *testing.T) {
	conns := []Outbound{onPrem("C1", "all"), partner("P", "contoso.com", "*.fabrikam.com"), onPrem("C3", "*.sales.contoso.com")}
	acc := accepted("contoso.com", "+relay.example", "sales.contoso.com")
	tests := []struct {
		prec Precedence
		d    string
		at   string // Select(d)
		sub  string // Select("zz-unknown." + d), which SelectBelow must equal
	}{
		{MostSpecific, "contoso.com", "P exact contoso.com", "none"},
		{MostSpecific, "fabrikam.com", "P wildcard *.fabrikam.com", "P wildcard *.fabrikam.com"},
		{MostSpecific, "relay.example", "C1 all-accepted *.relay.example", "C1 all-accepted *.relay.example"},
		{MostSpecific, "sales.contoso.com", "C3 wildcard *.sales.contoso.com", "C3 wildcard *.sales.contoso.com"},
		{ListedOrder, "sales.contoso.com", "C1 all-accepted sales.contoso.com", "C3 wildcard *.sales.contoso.com"},
		{MostSpecific, "other.example", "none", "none"},
	}
	for _, tt := range tests {
		tab := mustTable(t, conns, acc, WithPrecedence(tt.prec))
		d := domain.MustParse(tt.d)
		if got := selString(tab.Select(d)); got != tt.at {
			t.Errorf("%s Select(%s) = %s, want %s", tt.prec, d, got, tt.at)
		}
		sub := tab.Select(domain.MustParse("zz-unknown." + tt.d))
		if got := selString(sub); got != tt.sub {
			t.Errorf("%s Select(zz-unknown.%s) = %s, want %s", tt.prec, d, got, tt.sub)
		}
		if got := tab.SelectBelow(d); got != sub {
			t.Errorf("%s SelectBelow(%s) = %s, want %s", tt.prec, d, selString(got), selString(sub))
		}
	}
}
