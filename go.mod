module github.com/mailflow-go/mailflow

go 1.26.0

require (
	github.com/armon/go-radix v1.0.0
	github.com/gaissmai/bart v0.30.0
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/net v0.62.0
)

require (
	github.com/fsnotify/fsnotify v1.10.1
	golang.org/x/text v0.43.0
)

require golang.org/x/sys v0.49.0 // indirect
