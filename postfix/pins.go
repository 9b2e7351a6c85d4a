package postfix

import "github.com/mailflow-go/mailflow/certmatch"

// Pins are client certificates known by fingerprint: Postfix sends
// ccert_fingerprint and ccert_pubkey_fingerprint for every client
// certificate, verified or not, but the CN (ccert_subject) only for a
// verified chain and the SANs never. A pin says whose certificate a
// fingerprint is, and which names it stands for. Load a pins file with
// config.LoadPins, the loader of configuration files.
type Pins = certmatch.PinSet
