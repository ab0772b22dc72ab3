// Package workdays counts working days in a city's calendar: its IANA time
// zone, its public holidays and its make-up working days (调休, weekend
// days worked in lieu of a holiday, as Chinese calendars have them). The
// submission deadlines the national measures name ("within ten working
// days") are computed here, as exact instants, so that a controller can
// requeue at the moment a deadline passes.
//
// The time zone database is embedded in the binary (time/tzdata, imported
// here), because the operator's image is a bare static binary with no
// /usr/share/zoneinfo.
package workdays
