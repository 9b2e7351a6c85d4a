// Package config loads mailflow configurations: tenants with their
// accepted domains and connectors, written by hand in YAML or JSON, or read
// from what administrators export from Exchange Online.
//
// # Vocabulary
//
// A configuration lists tenants. A tenant has accepted domains (the
// domains it receives mail for), outbound connectors (routes to its own
// servers and to partners), inbound connectors (how its own servers and
// partners are recognised), and SendAs grants. Field names are the
// Exchange Online cmdlet parameter names (New-OutboundConnector,
// Set-InboundConnector, Get-AcceptedDomain …), so that values can be
// copied across; the meanings are the cmdlets', as documented on
// [connector.Outbound], [connector.Inbound], [domain.AcceptedDomain] and
// [attribution.Tenant].
//
// # Loading
//
// [Load] reads a file, [Parse] a byte slice, [Default] returns the
// embedded example ([DefaultYAML] is its text). A configuration that loads
// is one that builds: Load and Parse also run the rules that
// [attribution.NewDirectory] enforces, so that nothing is half-loaded.
// Every problem is reported at once, as an [ErrorList] sorted by position,
// each [Error] with its file, line and column and the path of the value:
//
//	mailflow.yaml:12:9: Tenants[0].OutboundConnectors[2].RecipientDomains[1]: bad pattern "*.com": com is a public suffix; …
//	mailflow.yaml:14:9: Tenants[0].InboundConnectors[0].TlsSenderCertificatName: unknown field "TlsSenderCertificatName" in an inbound connector (did you mean TlsSenderCertificateName?)
//	exports/outbound.json:6:41: value[0].SmartHosts[1]: bad smart host "mail..fabrikam.com": …
//
// [Config.Directory] builds the [attribution.Directory], with options
// such as the outbound precedence policy.
//
// # File format
//
// The format is YAML for files ending in .yaml or .yml, JSON for .json,
// and for other names JSON when the first character is '{' or '[', else
// YAML. A UTF-8 byte-order mark, and UTF-16 with a byte-order mark (what
// Windows PowerShell 5.1 writes with ">"), are read too.
//
//	Tenants:
//	  - Id: contoso
//	    RejectDirectSend: false
//	    AcceptedDomains:
//	      - { DomainName: contoso.com, DomainType: Authoritative, MatchSubDomains: false }
//	    OutboundConnectors:
//	      - { Name: Connector 1, ConnectorType: OnPremises, AllAcceptedDomains: true, SmartHosts: [mail.contoso.com] }
//	    InboundConnectors:
//	      - { Name: From on-premises, ConnectorType: OnPremises, SenderDomains: ["*"], TlsSenderCertificateName: "*.contoso.com", RequireTls: true }
//	    SendAs:
//	      - { Identity: sales@contoso.com, Trustee: scanner@contoso.com }
//	    Import:
//	      AcceptedDomains: exports/accepted-domains.json
//	      InboundConnectors: exports/inbound.json
//	      OutboundConnectors: exports/outbound.json
//	      TransportRules: exports/transport-rules.json
//	      OrganizationConfig: exports/org.json            (Get-OrganizationConfig: RejectDirectSend; disagreeing with the inline value is an error)
//
// In YAML, quote "*" and "*.contoso.com": an unquoted * starts an alias.
//
// Field names are matched ignoring case, as PowerShell matches parameter
// names; the spelling above is canonical and is what messages use. A
// field given twice (in any case), a field mailflow does not know, and an
// Exchange Online property mailflow does not model (MtaStsMode, Comment …)
// are errors; unknown names get a "did you mean" when one is close. A
// field left out takes the cmdlet's default, and so does a scalar field
// given as null; a list field given as null is empty.
//
// Values: strings; booleans as true/false (the strings "true", "false",
// "$true" and "$false" in any case are accepted too); enumerations by
// name in any case, by Exchange's number, or as the object Windows
// PowerShell 5.1 writes for an enum ({"value": 1, "Value": "OnPremises"},
// the name tried first). A list field also takes a single value (as
// PowerShell does: -SmartHosts mail.contoso.com), and null or [null] is
// an empty list.
//
// Top level:
//
//	Tenants              list of tenants; required
//
// Tenant:
//
//	Id                   unique name of the tenant; required
//	RejectDirectSend     Set-OrganizationConfig -RejectDirectSend; default false
//	AcceptedDomains      list of accepted domains
//	OutboundConnectors   list of outbound connectors
//	InboundConnectors    list of inbound connectors
//	SendAs               list of SendAs grants (Add-RecipientPermission -AccessRights SendAs)
//	SubmissionLogins     SMTP AUTH user names without a domain, and the mailbox each is (mailflow's own)
//	TransportRules       mail flow rules (Get-TransportRule), for the rules that route through connectors
//	Import               Exchange Online exports to append to the lists (below)
//
// Accepted domain (Get-AcceptedDomain):
//
//	DomainName           the domain; required
//	DomainType           Authoritative (default) or InternalRelay; 0, 2 (ExternalRelay, 1, is refused)
//	MatchSubDomains      accept every subdomain too; InternalRelay only; default false
//
// Outbound connector (New-OutboundConnector):
//
//	Name                           required, at most 64 characters, unique in the tenant ignoring case
//	Enabled                        default true
//	ConnectorType                  Partner (default, 2) or OnPremises (1)
//	ConnectorSource                Default (default), HybridWizard, Migrated, AdminUI
//	RecipientDomains               contoso.com, *.contoso.com or *; "smtp:contoso.com;1" too
//	AllAcceptedDomains             default false; OnPremises only
//	IsTransportRuleScoped          default false
//	RouteAllMessagesViaOnPremises  default false; OnPremises only
//	UseMXRecord                    default true, but false when SmartHosts are listed
//	SmartHosts                     host names, IPv4 or IPv6 addresses, CIDR ranges
//	TlsSettings                    EncryptionOnly (1), CertificateValidation (2), DomainValidation (4); default unset
//	TlsDomain                      pattern the destination certificate must match (DomainValidation)
//	CloudServicesMailEnabled       default false; OnPremises only
//	SenderRewritingEnabled         default false; OnPremises only
//	TestMode                       default false
//
// UseMXRecord: New-OutboundConnector defaults it to $true and refuses
// smart hosts with it, so an administrator who lists SmartHosts always
// passes -UseMXRecord $false. This package does the same: with SmartHosts
// listed and UseMXRecord left out, UseMXRecord is false. Given explicitly,
// it is taken as given (and validation says what is wrong).
//
// Inbound connector (New-InboundConnector):
//
//	Name                           required, at most 64 characters, unique in the tenant ignoring case
//	Enabled                        default true
//	ConnectorType                  Partner (default) or OnPremises
//	ConnectorSource                as for outbound connectors
//	SenderDomains                  default ["*"]; contoso.com, *.contoso.com, *, or "smtp:contoso.com;1"
//	SenderIPAddresses              IPv4/IPv6 addresses and CIDR ranges
//	TlsSenderCertificateName       pattern the sender's certificate must match; needs RequireTls
//	RequireTls                     default false (what exported connectors show; the documentation says true)
//	RestrictDomainsToCertificate   default false
//	RestrictDomainsToIPAddresses   default false
//	AssociatedAcceptedDomains      accepted domains the connector is limited to
//	TreatMessagesAsInternal        default false; OnPremises only
//	CloudServicesMailEnabled       default false; OnPremises only
//	TrustedOrganizations           strings, as Exchange stores them
//	EFSkipLastIP                   default false
//	EFSkipIPs                      addresses, CIDR ranges or first-last ranges
//	EFUsers                        addresses
//
// Transport rule (New-TransportRule, Get-TransportRule):
//
//	Name                           required, unique in the tenant ignoring case
//	Priority                       0 is evaluated first; unique
//	State                          Enabled (default) or Disabled
//	Mode                           Enforce (default), Audit, AuditAndNotify (these two route nothing)
//	RouteMessageOutboundConnector  Name of an IsTransportRuleScoped outbound connector of the tenant
//	StopRuleProcessing             default false
//	SenderAddressLocation          Header (default), Envelope, HeaderOrEnvelope
//	SentTo, SentToMemberOf, RecipientDomainIs, RecipientAddressContainsWords,
//	RecipientAddressMatchesPatterns (regular expressions), SentToScope
//	(InOrganization, NotInOrganization), From, FromMemberOf, FromScope,
//	SenderDomainIs, SenderIpRanges (addresses, CIDR, first-last),
//	HeaderContainsMessageHeader with HeaderContainsWords, and each with
//	ExceptIf in front for the exception: lists of strings
//
// SendAs grant:
//
//	Identity             the address that may be sent as
//	Trustee              the mailbox that may send as it
//
// Submission login (for devices that authenticate with a plain user name;
// Exchange Online has none, its logins are addresses):
//
//	Login                the SASL user name, without "@"; compared ignoring case; one tenant's only
//	Mailbox              the mailbox it authenticates as, in one of the tenant's accepted domains
//
// # Importing from Exchange Online
//
// A tenant's Import block names files exported from Exchange Online, each
// key a file name or a list of them, relative to the configuration file's
// directory. Their records are appended to the tenant's lists, after the
// records written inline, in the order AcceptedDomains, InboundConnectors,
// OutboundConnectors, files in the order given. Export with Exchange
// Online PowerShell (Connect-ExchangeOnline):
//
//	Get-AcceptedDomain | ConvertTo-Json -Depth 4 > accepted-domains.json
//	Get-InboundConnector | ConvertTo-Json -Depth 4 > inbound.json
//	Get-OutboundConnector -IncludeTestModeConnectors $true | ConvertTo-Json -Depth 4 > outbound.json
//	Get-TransportRule -ResultSize Unlimited | ConvertTo-Json -Depth 4 > transport-rules.json
//
// An imported transport rule is stored state: a connector it names that is
// missing or not rule-scoped is a lint finding, not an error. Its
// Conditions and Exceptions (the predicates' class names) are read, and a
// predicate mailflow does not model stays an unknown condition of the rule.
//
// (PowerShell 7 may add -EnumsAsStrings; either form is read.) Or save the
// answer of the REST admin API, POST
// https://outlook.office365.com/adminapi/beta/<tenant>/InvokeCommand with
// {"CmdletInput": {"CmdletName": "Get-InboundConnector", "Parameters":
// {"ResultSize": "Unlimited"}}}. An export file is JSON in one of these
// shapes:
//
//   - an array of records: ConvertTo-Json of several objects;
//   - one record: ConvertTo-Json of a single object;
//   - an object with a "value" array: the REST admin API, whose
//     "@odata.context" and other "@" keys are ignored;
//   - a ScubaGear ProviderSettingsExport.json, whose accepted_domains,
//     inbound_connectors and outbound_connectors are read for the
//     matching list (one file may be named under all three keys).
//
// Records are read with the format's rules above, and these tolerances:
//
//   - fields mailflow does not model are skipped, whatever they are:
//     identity and read-only fields (Identity, Guid, Id,
//     DistinguishedName, WhenCreated, WhenChangedUTC, ObjectState,
//     IsValid, ExchangeObjectId, OrganizationId, ObjectClass …), settings
//     mailflow does not use (MtaStsMode, ValidationRecipients, Default,
//     IsCoexistenceDomain …), keys holding "@" (the sidecars
//     "Name@data.type", "@odata.type"), and fields exports will grow;
//   - dates are never read: both forms, "2026-07-23T22:55:13.0000000Z"
//     (with or without the Z) and Windows PowerShell's
//     "\/Date(1772500523000)\/", pass without being parsed, as does any
//     other value of a skipped field;
//   - a field that is missing takes the cmdlet default, never false
//     (outbound records have no inbound fields and the reverse);
//   - [null] (ConvertTo-Json of an empty collection) and null are empty
//     lists, and null entries are skipped;
//   - SenderDomains and RecipientDomains may be address spaces,
//     "smtp:contoso.com;1", "SMTP:*;1", or bare domains;
//   - the two case-variant keys of an enum object, and case-variant
//     duplicate keys in general, are told apart: the exact spelling wins;
//   - a ConnectorSource mailflow does not know reads as Default;
//   - a record that looks like another kind (SmartHosts in a file imported
//     as InboundConnectors) is refused, as is a file holding the admin
//     API's error answer or the NUL bytes it sends with 403 Forbidden;
//   - a page that says it is incomplete (@odata.nextLink set, or a
//     non-empty @adminapi.warnings) is refused: export again with
//     -ResultSize Unlimited (the nextLink cannot be replayed).
//
// Imported connectors are what the service stores, so they are marked
// Stored: a rule New-/Set-*Connector enforce only on new input
// (connector.KindWrite: a * connector without
// RouteAllMessagesViaOnPremises, CloudServicesMailEnabled on a Partner
// connector …) does not refuse them; attribution.Lint reports it as
// stored-state-violates-write-rule with the connector's Name. Values
// mailflow cannot use at all (connector.KindStructural, unparsable
// patterns) are errors in exports too. The same values written in the
// configuration itself are refused. docs/DESIGN.md has the table.
//
// Errors in an export are reported against the export file, with the
// record's path in it ("value[2].SmartHosts[0]", "[0].DomainType").
package config
