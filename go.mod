module github.com/mailflow-go/mailflow

go 1.26.0

require (
	github.com/armon/go-radix v1.0.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/net v0.62.0
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/text v0.43.0 // indirect
)
