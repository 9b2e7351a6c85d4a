module github.com/mailflow-go/mailflow/cel

go 1.26.0

require github.com/mailflow-go/mailflow v0.0.0-00010101000000-000000000000

require github.com/stretchr/testify v1.12.1

require (
	cel.dev/cel-go v0.33.3
	cel.dev/expr v0.25.1 // indirect
	github.com/antlr4-go/antlr/v4 v4.13.1 // indirect
	github.com/armon/go-radix v1.0.0 // indirect
	github.com/gaissmai/bart v0.30.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/exp v0.0.0-20240823005443-9b4947da3948 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20240826202546-f6391c0de4c7 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20240826202546-f6391c0de4c7 // indirect
	google.golang.org/protobuf v1.36.12
)

replace github.com/mailflow-go/mailflow => ../
