module github.com/mailflow-go/mailflow/examples

go 1.26.0

require (
	github.com/emersion/go-smtp v0.25.1
	github.com/mailflow-go/mailflow v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/armon/go-radix v1.0.0 // indirect
	github.com/emersion/go-sasl v0.0.0-20241020182733-b788ff22d5a6 // indirect
	github.com/gaissmai/bart v0.30.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/mailflow-go/mailflow => ../
