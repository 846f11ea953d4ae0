package entity

import (
	"regexp"
	"sync"
)

// lazyRE is a regular expression compiled on first use. The package's expressions are
// declared as variables, and compiling them all at package initialisation cost every
// process that imports the package 6–18 ms, whether it ever recognises anything or not.
type lazyRE struct {
	expr string
	re   func() *regexp.Regexp
}

func lazy(expr string) *lazyRE {
	return &lazyRE{expr: expr, re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// String is the expression's source; it compiles nothing.
func (l *lazyRE) String() string { return l.expr }

func (l *lazyRE) FindStringIndex(s string) []int { return l.re().FindStringIndex(s) }

func (l *lazyRE) FindAllStringIndex(s string, n int) [][]int { return l.re().FindAllStringIndex(s, n) }

func (l *lazyRE) FindStringSubmatchIndex(s string) []int { return l.re().FindStringSubmatchIndex(s) }

func (l *lazyRE) MatchString(s string) bool { return l.re().MatchString(s) }
