package portal

import (
	"reflect"
	"strings"
	"unicode/utf8"
)

// Text that spoofs: admission refuses control characters and bidirectional
// overrides in new objects, but an object stored before that rule may still
// hold them, and the portal shows what departments wrote to everyone. So
// every string a view shows passes through neutral first: C0 controls
// (except tab and newline, which every view renders as plain whitespace),
// DEL, C1 controls, the bidirectional embeddings and overrides U+202A–U+202E
// and the isolates U+2066–U+2069 become U+FFFD, visibly, so a reader sees
// that something was there. Invalid UTF-8 becomes U+FFFD too. HTML escaping
// (html/template), CSV quoting and JSON encoding still apply on top.

// spoofs reports whether r is a character the views must never pass through.
func spoofs(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return r == utf8.RuneError
}

// neutral returns s with every character that spoofs replaced by U+FFFD; s
// itself when there is none (the common case allocates nothing).
func neutral(s string) string {
	clean := true
	for _, r := range s {
		if spoofs(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if spoofs(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// neutralCopy returns v itself when no string reachable from it spoofs, and
// otherwise a deep copy (made by copyFn) with every such string neutralised.
// It walks every exported string field, so a field added to the API later is
// covered without a change here.
func neutralCopy[T any](v *T, copyFn func(*T) *T) *T {
	if v == nil || !needsNeutral(reflect.ValueOf(v).Elem()) {
		return v
	}
	c := copyFn(v)
	neutralise(reflect.ValueOf(c).Elem())
	return c
}

func needsNeutral(v reflect.Value) bool {
	found := false
	walkStrings(v, func(s reflect.Value) bool {
		if neutral(s.String()) != s.String() {
			found = true
		}
		return !found
	})
	return found
}

func neutralise(v reflect.Value) {
	walkStrings(v, func(s reflect.Value) bool {
		if n := neutral(s.String()); n != s.String() && s.CanSet() {
			s.SetString(n)
		}
		return true
	})
}

// walkStrings calls f on every exported string reachable from v (through
// structs, pointers and slices) until f returns false. The API's spec types
// hold no maps; a map would be skipped, so the test over every route would
// show it.
func walkStrings(v reflect.Value, f func(reflect.Value) bool) bool {
	switch v.Kind() {
	case reflect.String:
		return f(v)
	case reflect.Pointer:
		if v.IsNil() {
			return true
		}
		return walkStrings(v.Elem(), f)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !walkStrings(v.Field(i), f) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if !walkStrings(v.Index(i), f) {
				return false
			}
		}
	}
	return true
}
