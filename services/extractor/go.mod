module github.com/docketwatch/docketwatch/services/extractor

go 1.26.0

require github.com/docketwatch/docketwatch/pkg v0.0.0

require (
	github.com/ledongthuc/pdf v0.0.0-20260907135840-6c8c28e0e8a0 // indirect
	github.com/petar-dambovaliev/aho-corasick v0.0.0-20250424160509-463d218d4745 // indirect
	golang.org/x/text v0.44.0 // indirect
)

replace github.com/docketwatch/docketwatch/pkg => ../../pkg
