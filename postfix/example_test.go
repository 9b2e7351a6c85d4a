package postfix_test

import (
	"fmt"
	"log/slog"
	"net"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/postfix"
)

func ExamplePolicyServer_Decide() {
	// The embedded default: tenant contoso, whose on-premises servers are
	// recognised by a certificate for *.contoso.com.
	dir := config.Default().Directory()
	s := &postfix.PolicyServer{Directory: attribution.NewHolder(dir), Logger: slog.New(slog.DiscardHandler)}

	// An NDR (null sender) relayed to the internet by a server whose
	// certificate Postfix verified: ccert_subject is its CN.
	ndr := &postfix.PolicyRequest{Request: "smtpd_access_policy", ProtocolState: "RCPT",
		ClientAddress: "203.0.113.5", EncryptionProtocol: "TLSv1.3", CCertSubject: "mail.contoso.com",
		Sender: "", Recipient: "sun@internet.example"}
	action, _ := s.Decide(ndr)
	fmt.Println(action)

	// The same without a certificate is anonymous mail to the internet.
	ndr.EncryptionProtocol, ndr.CCertSubject = "", ""
	action, _ = s.Decide(ndr)
	fmt.Println(action)
	// Output:
	// OK
	// 550 5.7.1 Unable to relay
}

func ExampleTransportMap_Lookup() {
	dir := config.Default().Directory()
	m := &postfix.TransportMap{Directory: attribution.NewHolder(dir), Logger: slog.New(slog.DiscardHandler)}
	for _, rcpt := range []string{"john@sales.contoso.com", "sun@internet.example"} {
		value, found, err := m.Lookup(rcpt)
		fmt.Printf("%s: %q found=%v err=%v\n", rcpt, value, found, err)
	}
	// Output:
	// john@sales.contoso.com: "smtp:[mail.contoso.com]:25" found=true err=<nil>
	// sun@internet.example: "" found=false err=<nil>
}

func ExampleSocketmapServer() {
	dir := config.Default().Directory()
	holder := attribution.NewHolder(dir)
	s := &postfix.SocketmapServer{Map: &postfix.TransportMap{Directory: holder}}
	l, err := net.Listen("tcp", "127.0.0.1:0") // main.cf: transport_maps = socketmap:inet:ADDR:transport
	if err != nil {
		panic(err)
	}
	go s.Serve(l)
	defer s.Close()

	// Reloading is a swap; requests in flight finish with the old directory.
	holder.Store(dir)
}
