// Package domain holds the vocabulary every other mailflow package speaks:
// domain names, envelope addresses, address-space patterns and accepted
// domains.
//
// # Names
//
// A [Name] is a parsed, canonical DNS name: ASCII only (internationalised
// names are converted to A-labels with the UTS #46 lookup rules), lower case,
// without a trailing dot, with 1–63 octets per label and at most 253 in all.
// "Contoso.COM.", "contoso.com" and "CONTOSO.com" parse to the same Name, and
// so do "bücher.de" and "xn--bcher-kva.de". Names compare equal with ==, can
// be map keys, and their zero value is invalid ([Name.IsValid] reports false).
// Labels follow the letters-digits-hyphen rule of RFC 5321 §4.1.2: the
// underscore is refused, because no mail domain may contain one
// (underscored names such as _dmarc.contoso.com are DNS records, not
// destinations).
//
// # Addresses
//
// [FromAddress] takes the domain of an SMTP envelope address as RFC 5321
// defines it: "<>" is the null reverse-path and has no domain
// ([ErrNullPath]); a quoted local part may contain "@"; an address literal
// such as "[192.0.2.1]" is not a domain ([ErrAddressLiteral]); an obsolete
// source route ("@a,@b:user@d") is skipped.
//
// # Patterns
//
// A [Pattern] is an Exchange Online address-space domain, as used in
// RecipientDomains, SenderDomains, TlsSenderCertificateName and TlsDomain:
//
//	contoso.com     exact: contoso.com only
//	*.contoso.com   wildcard: contoso.com and every subdomain, at any depth
//	*               any: every domain
//
// Matching compares whole labels: *.contoso.com never matches
// evilcontoso.com. The wildcard is only allowed as the whole leftmost label,
// and a wildcard over a public suffix (*.com, *.co.uk) is refused, using the
// public suffix list of golang.org/x/net/publicsuffix.
//
// # Accepted domains
//
// An [AcceptedDomain] is a domain a tenant receives mail for, with its
// [DomainType] and, for InternalRelay domains, MatchSubDomains.
package domain
