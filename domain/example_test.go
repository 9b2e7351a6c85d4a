package domain_test

import (
	"errors"
	"fmt"

	"github.com/mailflow-go/mailflow/domain"
)

func ExampleParse() {
	for _, s := range []string{"Contoso.COM.", "bücher.de", "xn--bcher-kva.de", "a..b", "_dmarc.contoso.com"} {
		n, err := domain.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(n, n.Unicode())
	}
	// Output:
	// contoso.com contoso.com
	// xn--bcher-kva.de bücher.de
	// xn--bcher-kva.de bücher.de
	// domain: bad name "a..b": empty label
	// domain: bad name "_dmarc.contoso.com": underscore not allowed in a mail domain (at "_dmarc")
}

func ExampleFromAddress() {
	for _, addr := range []string{
		"<John@Contoso.COM>",
		`<"a@b"@fabrikam.com>`,
		"<@relay.example:john@sales.contoso.com>",
		"<>",
		"<john@[192.0.2.1]>",
		"john@contoso.com.",
	} {
		d, err := domain.FromAddress(addr)
		switch {
		case errors.Is(err, domain.ErrNullPath):
			fmt.Printf("%-40s null sender: no domain\n", addr)
		case errors.Is(err, domain.ErrAddressLiteral):
			fmt.Printf("%-40s address literal: no domain\n", addr)
		case err != nil:
			fmt.Printf("%-40s %v\n", addr, err)
		default:
			fmt.Printf("%-40s %s\n", addr, d)
		}
	}
	// Output:
	// <John@Contoso.COM>                       contoso.com
	// <"a@b"@fabrikam.com>                     fabrikam.com
	// <@relay.example:john@sales.contoso.com>  sales.contoso.com
	// <>                                       null sender: no domain
	// <john@[192.0.2.1]>                       address literal: no domain
	// john@contoso.com.                        contoso.com
}

func ExampleParsePattern() {
	p, err := domain.ParsePattern("*.contoso.com")
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"contoso.com", "a.b.contoso.com", "evilcontoso.com", "contoso.com.evil.example"} {
		fmt.Println(s, p.Match(domain.MustParse(s)))
	}
	_, err = domain.ParsePattern("*.co.uk")
	fmt.Println(errors.Is(err, domain.ErrPublicSuffix), err)
	_, err = domain.ParsePattern("mail*.contoso.com")
	fmt.Println(err)
	// Output:
	// contoso.com true
	// a.b.contoso.com true
	// evilcontoso.com false
	// contoso.com.evil.example false
	// true domain: bad pattern "*.co.uk": co.uk is a public suffix; a wildcard over it would match other organisations' domains
	// domain: bad pattern "mail*.contoso.com": partial wildcard mail*: "*" must be the whole leftmost label
}

func ExampleAcceptedDomain_Covers() {
	a := domain.AcceptedDomain{
		Name:            domain.MustParse("contoso.com"),
		Type:            domain.InternalRelay,
		MatchSubDomains: true,
	}
	if err := a.Validate(); err != nil {
		panic(err)
	}
	for _, s := range []string{"contoso.com", "sales.contoso.com", "evilcontoso.com"} {
		fmt.Println(s, a.Covers(domain.MustParse(s)))
	}
	a.Type = domain.Authoritative
	fmt.Println(a.Validate())
	// Output:
	// contoso.com true
	// sales.contoso.com true
	// evilcontoso.com false
	// domain: bad accepted domain "contoso.com": MatchSubDomains needs DomainType InternalRelay
}

func ExampleName_Parent() {
	for n, ok := domain.MustParse("a.sales.contoso.com"), true; ok; n, ok = n.Parent() {
		fmt.Println(n)
	}
	// Output:
	// a.sales.contoso.com
	// sales.contoso.com
	// contoso.com
	// com
}
