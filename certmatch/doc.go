// Package certmatch reads the names of a TLS client certificate and answers
// the two questions Exchange Online asks of them: does the certificate match
// a connector's TlsSenderCertificateName, and which accepted domains does it
// prove?
//
// # Vocabulary
//
// A certificate name ([Name]) is a DNS name found in a certificate: the
// Subject common name (CN) or a dNSName subjectAltName (SAN). It is either a
// host ("mail.contoso.com") or a wildcard ("*.contoso.com"). A wildcard
// certificate name follows RFC 6125 §6.4.3 as crypto/x509 does: the "*" is the
// whole leftmost label and stands for exactly one label, so *.contoso.com
// covers mail.contoso.com, but neither contoso.com (the apex) nor
// a.mail.contoso.com. A certificate's names, in certificate order, are a
// [Names]; names that cannot be read are skipped and reported
// ([Names.Skipped]), never guessed at.
//
// A connector pattern ([domain.Pattern]) is what an administrator writes in
// TlsSenderCertificateName: "mail.contoso.com" (that name only),
// "*.contoso.com" (contoso.com and every name below it, at any depth) or "*".
// It is not a certificate name: the same text "*.contoso.com" means one
// label in a certificate and any depth in a connector. A pattern matches a
// certificate when it matches one of the certificate's names
// ([Names.Match]); a wildcard certificate name matches only a pattern that
// covers every host the wildcard covers.
//
// A proof ([Proof]) ties a certificate to an accepted domain. A name proves
// accepted domain a when it is a itself or sits directly under it
// (mail.contoso.com and *.contoso.com prove contoso.com, the rule behind
// Exchange's "550 5.7.64 Relay Access Denied ATTR36"), or when a matches
// subdomains and the name is anywhere below it. host.sub.contoso.com proves
// contoso.com only if contoso.com matches subdomains; accepting
// sub.contoso.com is the other fix. Nothing is proved through a public
// suffix: no name from the certificate name up to the accepted domain may
// be one, so contoso.co.uk never proves co.uk, and a customer's
// bucket.s3.amazonaws.com never proves amazonaws.com.
//
// # Where names come from
//
//   - [FromCertificate]: an [*x509.Certificate]; Subject CNs first, then DNS
//     SANs in certificate order. IP, URI and e-mail SANs are ignored.
//   - [FromConnectionState]: the peer of a TLS connection, only if its chain
//     was verified; otherwise an error matching [ErrUnverified].
//   - [FromPostfix] and [FromCN]: what an MTA without a certificate object
//     hands over. Postfix's policy protocol carries only the CN
//     (ccert_subject, sent only for a verified chain) and SHA-256
//     fingerprints; [Pins] maps a pinned fingerprint to configured names.
//   - [ParseNames]: names given by configuration or a command line.
//
// # Host names versus connector patterns
//
// [Name.MatchHost] is hostname verification (crypto/x509's VerifyHostname,
// restricted to the names this package accepts). [Name.MatchedBy] is
// connector matching. They differ on purpose:
//
//	certificate name   connector pattern    MatchedBy  MatchHost(pattern's base)
//	*.contoso.com      *.contoso.com        yes        no (the apex is not covered)
//	*.contoso.com      mail.contoso.com     no         yes: the wildcard covers more hosts than the pattern names
//	*.contoso.com      contoso.com          no         no
//	a.b.contoso.com    *.contoso.com        yes        -: a connector wildcard has any depth
//	*.b.contoso.com    *.contoso.com        yes        -
//	*.contoso.com      *                    yes        -
//
// And both differ from crypto/x509 in what they accept as a name:
//
//   - the Subject CN is a name even when the certificate has DNS SANs
//     (Exchange checks "Subject or SAN"; x509 ignores the CN altogether);
//   - a wildcard over a public suffix ("*.com", "*.co.uk", "*.appspot.com")
//     is skipped; x509 matches "*.com" against example.com;
//   - partial-label wildcards ("f*.example.com") are skipped, as x509 and
//     RFC 9525 do, though RFC 6125 allowed them;
//   - names with an underscore, an empty label, a hyphen at either end of a
//     label or "--" in positions three and four of a non-A-label are
//     skipped: they are not mail domains ([domain.Parse]); x509 tolerates
//     them, or compares them exactly;
//   - a trailing dot in a certificate name is refused (RFC 5280 names have
//     none); x509 matches "example.com." against "example.com." only;
//   - an IP address, or a name whose last label is all digits, is never a
//     DNS name, wherever it is found;
//   - non-ASCII text is refused: certificate names carry A-labels.
//
// # Performance
//
// Parsing does the work once: a [Name] holds a canonical [domain.Name] and
// precomputed public-suffix facts, so [Names.Match], [Names.MatchHost],
// [Names.Proves] and [Name.ProofCandidates] never allocate.
package certmatch
