module github.com/docketwatch/docketwatch/services/alerter

go 1.26

require github.com/docketwatch/docketwatch/pkg v0.0.0

replace github.com/docketwatch/docketwatch/pkg => ../../pkg
