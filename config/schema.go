package config

import (
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// This file lists the fields of each record, by their Exchange Online
// names, and what each does with its value.

// field is one settable field of a record of type T.
type field[T any] struct {
	name string
	list bool // null means an empty list, not "absent"
	set  func(d *fileDec, n *node, w where, v *T)
}

func fieldNames[T any](fs []field[T]) []string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return names
}

func lookupField[T any](fs []field[T], name string) *field[T] {
	for i := range fs {
		if strings.EqualFold(fs[i].name, name) {
			return &fs[i]
		}
	}
	return nil
}

// recordKind names a kind of record, for messages and for the lists of
// Exchange Online fields that are known but not modelled.
type recordKind int

const (
	kindConfig recordKind = iota
	kindTenant
	kindImport
	kindAccepted
	kindInbound
	kindOutbound
	kindSendAs
	kindLogin
	kindPinsFile
	kindPin
	kindRule
)

func (k recordKind) String() string {
	return [...]string{"the configuration", "a tenant", "Import", "an accepted domain", "an inbound connector", "an outbound connector", "a SendAs grant", "a submission login", "a pins file", "a pin", "a transport rule"}[k]
}

var configFields = []field[[]attribution.Tenant]{
	{name: "Tenants", list: true, set: func(d *fileDec, n *node, w where, v *[]attribution.Tenant) {
		*v = d.tenants(n, w)
	}},
}

// tenantDraft is a tenant being decoded, with its Import block kept for
// after the inline lists.
type tenantDraft struct {
	attribution.Tenant
	imp  *node
	impW where
}

var tenantFields = []field[tenantDraft]{
	{name: "Id", set: func(d *fileDec, n *node, w where, v *tenantDraft) { v.ID, _ = d.str(n, w) }},
	{name: "RejectDirectSend", set: func(d *fileDec, n *node, w where, v *tenantDraft) { v.RejectDirectSend, _ = d.boolean(n, w) }},
	{name: "AcceptedDomains", list: true, set: func(d *fileDec, n *node, w where, v *tenantDraft) {
		v.AcceptedDomains = records(d, n, w, v.AcceptedDomains[:0], (*fileDec).accepted)
	}},
	{name: "InboundConnectors", list: true, set: func(d *fileDec, n *node, w where, v *tenantDraft) {
		v.InboundConnectors = records(d, n, w, v.InboundConnectors[:0], (*fileDec).inbound)
	}},
	{name: "OutboundConnectors", list: true, set: func(d *fileDec, n *node, w where, v *tenantDraft) {
		v.OutboundConnectors = records(d, n, w, v.OutboundConnectors[:0], (*fileDec).outbound)
	}},
	{name: "SendAs", list: true, set: func(d *fileDec, n *node, w where, v *tenantDraft) {
		v.SendAs = records(d, n, w, v.SendAs[:0], (*fileDec).sendAs)
	}},
	{name: "SubmissionLogins", list: true, set: func(d *fileDec, n *node, w where, v *tenantDraft) {
		v.SubmissionLogins = records(d, n, w, v.SubmissionLogins[:0], (*fileDec).login)
	}},
	{name: "TransportRules", list: true, set: func(d *fileDec, n *node, w where, v *tenantDraft) {
		v.TransportRules = records(d, n, w, v.TransportRules[:0], (*fileDec).transportRule)
	}},
	{name: "Import", set: func(d *fileDec, n *node, w where, v *tenantDraft) { v.imp, v.impW = n, w }},
}

// importSpec holds the file names of an Import block, by list.
type importSpec struct {
	files [len(importKinds)][]fileRef // indexed like importKinds
	org   []fileRef                   // OrganizationConfig (orgconfig.go)
}

type fileRef struct {
	name string
	n    *node
	w    where
}

// importKinds are the lists an Import block fills, in the order they are
// read.
var importKinds = [...]string{"AcceptedDomains", "InboundConnectors", "OutboundConnectors", "TransportRules"}

var importFields = func() []field[importSpec] {
	var fs []field[importSpec]
	for i, k := range importKinds {
		fs = append(fs, field[importSpec]{name: k, list: true, set: func(d *fileDec, n *node, w where, v *importSpec) {
			v.files[i] = nil
			d.list(n, w, func(it *node, iw where) bool {
				s, ok := d.str(it, iw)
				if ok && s == "" {
					d.fail(iw, it, "empty file name")
					return false
				}
				if ok {
					v.files[i] = append(v.files[i], fileRef{s, it, iw})
				}
				return ok
			})
		}})
	}
	return append(fs, orgImportField)
}()

var acceptedFields = []field[domain.AcceptedDomain]{
	{name: "DomainName", set: func(d *fileDec, n *node, w where, v *domain.AcceptedDomain) {
		if s, ok := d.str(n, w); ok {
			v.Name, _ = parseValue(d, n, w, s, domain.Parse)
		}
	}},
	{name: "DomainType", set: func(d *fileDec, n *node, w where, v *domain.AcceptedDomain) {
		v.Type, _ = enum(d, n, w, parseDomainType)
	}},
	{name: "MatchSubDomains", set: func(d *fileDec, n *node, w where, v *domain.AcceptedDomain) { v.MatchSubDomains, _ = d.boolean(n, w) }},
}

var outboundFields = []field[connector.Outbound]{
	{name: "Name", set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.Name, _ = d.str(n, w) }},
	{name: "Enabled", set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.Enabled, _ = d.boolean(n, w) }},
	{name: "ConnectorType", set: func(d *fileDec, n *node, w where, v *connector.Outbound) {
		v.ConnectorType, _ = enum(d, n, w, connector.ParseConnectorType)
	}},
	{name: "ConnectorSource", set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.ConnectorSource = d.source(n, w) }},
	{name: "RecipientDomains", list: true, set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.RecipientDomains = d.patterns(n, w) }},
	{name: "AllAcceptedDomains", set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.AllAcceptedDomains, _ = d.boolean(n, w) }},
	{name: "IsTransportRuleScoped", set: func(d *fileDec, n *node, w where, v *connector.Outbound) {
		v.IsTransportRuleScoped, _ = d.boolean(n, w)
	}},
	{name: "RouteAllMessagesViaOnPremises", set: func(d *fileDec, n *node, w where, v *connector.Outbound) {
		v.RouteAllMessagesViaOnPremises, _ = d.boolean(n, w)
	}},
	{name: "UseMXRecord", set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.UseMXRecord, _ = d.boolean(n, w) }},
	{name: "SmartHosts", list: true, set: func(d *fileDec, n *node, w where, v *connector.Outbound) {
		v.SmartHosts = values(d, n, w, func(s string) (connector.SmartHost, error) {
			if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' { // [192.0.2.1], as on-premises Exchange writes IP smart hosts
				s = s[1 : len(s)-1]
			}
			return connector.ParseSmartHost(s)
		})
	}},
	{name: "TlsSettings", set: func(d *fileDec, n *node, w where, v *connector.Outbound) {
		v.TlsSettings, _ = enum(d, n, w, connector.ParseTlsAuthLevel)
	}},
	{name: "TlsDomain", set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.TlsDomain = d.pattern(n, w) }},
	{name: "CloudServicesMailEnabled", set: func(d *fileDec, n *node, w where, v *connector.Outbound) {
		v.CloudServicesMailEnabled, _ = d.boolean(n, w)
	}},
	{name: "SenderRewritingEnabled", set: func(d *fileDec, n *node, w where, v *connector.Outbound) {
		v.SenderRewritingEnabled, _ = d.boolean(n, w)
	}},
	{name: "TestMode", set: func(d *fileDec, n *node, w where, v *connector.Outbound) { v.TestMode, _ = d.boolean(n, w) }},
}

var inboundFields = []field[connector.Inbound]{
	{name: "Name", set: func(d *fileDec, n *node, w where, v *connector.Inbound) { v.Name, _ = d.str(n, w) }},
	{name: "Enabled", set: func(d *fileDec, n *node, w where, v *connector.Inbound) { v.Enabled, _ = d.boolean(n, w) }},
	{name: "ConnectorType", set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.ConnectorType, _ = enum(d, n, w, connector.ParseConnectorType)
	}},
	{name: "ConnectorSource", set: func(d *fileDec, n *node, w where, v *connector.Inbound) { v.ConnectorSource = d.source(n, w) }},
	{name: "SenderDomains", list: true, set: func(d *fileDec, n *node, w where, v *connector.Inbound) { v.SenderDomains = d.patterns(n, w) }},
	{name: "SenderIPAddresses", list: true, set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.SenderIPAddresses = values(d, n, w, connector.ParseSenderIPAddress)
	}},
	{name: "TlsSenderCertificateName", set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.TlsSenderCertificateName = d.pattern(n, w)
	}},
	{name: "RequireTls", set: func(d *fileDec, n *node, w where, v *connector.Inbound) { v.RequireTls, _ = d.boolean(n, w) }},
	{name: "RestrictDomainsToCertificate", set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.RestrictDomainsToCertificate, _ = d.boolean(n, w)
	}},
	{name: "RestrictDomainsToIPAddresses", set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.RestrictDomainsToIPAddresses, _ = d.boolean(n, w)
	}},
	{name: "AssociatedAcceptedDomains", list: true, set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.AssociatedAcceptedDomains = values(d, n, w, domain.Parse)
	}},
	{name: "TreatMessagesAsInternal", set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.TreatMessagesAsInternal, _ = d.boolean(n, w)
	}},
	{name: "CloudServicesMailEnabled", set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.CloudServicesMailEnabled, _ = d.boolean(n, w)
	}},
	{name: "TrustedOrganizations", list: true, set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.TrustedOrganizations = values(d, n, w, func(s string) (string, error) { return s, nil })
	}},
	{name: "EFSkipLastIP", set: func(d *fileDec, n *node, w where, v *connector.Inbound) { v.EFSkipLastIP, _ = d.boolean(n, w) }},
	{name: "EFSkipIPs", list: true, set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.EFSkipIPs = values(d, n, w, connector.ParseIPRange)
	}},
	{name: "EFUsers", list: true, set: func(d *fileDec, n *node, w where, v *connector.Inbound) {
		v.EFUsers = values(d, n, w, func(s string) (string, error) { return s, nil })
	}},
}

var loginFields = []field[attribution.SubmissionLogin]{
	{name: "Login", set: func(d *fileDec, n *node, w where, v *attribution.SubmissionLogin) { v.Login, _ = d.str(n, w) }},
	{name: "Mailbox", set: func(d *fileDec, n *node, w where, v *attribution.SubmissionLogin) { v.Mailbox, _ = d.str(n, w) }},
}

var sendAsFields = []field[attribution.SendAsGrant]{
	{name: "Identity", set: func(d *fileDec, n *node, w where, v *attribution.SendAsGrant) { v.Identity, _ = d.str(n, w) }},
	{name: "Trustee", set: func(d *fileDec, n *node, w where, v *attribution.SendAsGrant) { v.Trustee, _ = d.str(n, w) }},
}

// Exchange Online properties that this package reads past in exports and
// names in the error for a hand-written configuration ("not modelled"
// rather than "unknown"): facts §1.1, §2.1, §3 and §8.2.
var (
	exoCommon = []string{
		"Identity", "Guid", "Id", "DistinguishedName", "ExchangeObjectId", "OrganizationId",
		"ObjectCategory", "ObjectClass", "ObjectState", "IsValid", "WhenCreated", "WhenChanged",
		"WhenCreatedUTC", "WhenChangedUTC", "ExchangeVersion", "OriginatingServer",
		"AdminDisplayName", "PSComputerName", "PSShowComputerName", "RunspaceId", "Comment",
	}
	exoAccepted = []string{
		"Name", "Default", "OutboundOnly", "InitialDomain", "IsCoexistenceDomain",
		"SendingFromDomainDisabled", "SendingToDomainDisabled", "SmtpDaneStatus",
		"CatchAllRecipientID", "CanHaveCloudCache", "EnableNego2Authentication",
		"AuthenticationType", "LiveIdInstanceType", "PendingRemoval", "PendingCompletion",
		"AddressBookEnabled", "FederatedOrganizationLink", "MailFlowPartner",
		"PendingFederatedAccountNamespace", "PendingFederatedDomain", "IsDefaultFederatedDomain",
	}
	exoOutbound = []string{
		"ValidationRecipients", "IsValidated", "LastValidationTimestamp", "MtaStsMode",
		"SmtpDaneMode", "LinkForModifiedConnector",
	}
	exoInbound = []string{
		"EFSkipMailGateway", "EFTestMode", "ScanAndDropRecipients", "ClientHostNames",
	}
)

// exoOnly returns the canonical spelling of name when it is an Exchange
// Online property of records of kind k that this package does not model.
func exoOnly(k recordKind, name string) (string, bool) {
	var lists [][]string
	switch k {
	case kindAccepted:
		lists = [][]string{exoCommon, exoAccepted}
	case kindInbound:
		lists = [][]string{exoCommon, exoInbound}
	case kindOutbound:
		lists = [][]string{exoCommon, exoOutbound}
	}
	for _, l := range lists {
		for _, f := range l {
			if strings.EqualFold(f, name) {
				return f, true
			}
		}
	}
	return "", false
}

// fieldOfOther reports which other kind of record has a field called name
// (SenderDomains on an outbound connector), with its canonical spelling.
func fieldOfOther(k recordKind, name string) (recordKind, string, bool) {
	check := func(other recordKind, names []string) (recordKind, string, bool) {
		for _, f := range names {
			if strings.EqualFold(f, name) {
				return other, f, true
			}
		}
		return 0, "", false
	}
	switch k {
	case kindInbound:
		return check(kindOutbound, fieldNames(outboundFields))
	case kindOutbound:
		return check(kindInbound, fieldNames(inboundFields))
	case kindAccepted, kindSendAs, kindLogin:
		// tenantFields' names; the table itself would be an initialization cycle.
		return check(kindTenant, []string{"Id", "RejectDirectSend", "AcceptedDomains", "InboundConnectors", "OutboundConnectors", "SendAs", "SubmissionLogins", "TransportRules", "Import"})
	}
	return 0, "", false
}

// parseDomainType parses an accepted domain's DomainType by name or by
// Exchange's number (Authoritative=0, ExternalRelay=1, InternalRelay=2).
func parseDomainType(s string) (domain.DomainType, error) {
	switch s {
	case "0":
		return domain.Authoritative, nil
	case "1":
		return domain.ExternalRelay, nil
	case "2":
		return domain.InternalRelay, nil
	}
	return domain.ParseDomainType(s)
}
