package portal_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/scidata-io/scidata-operator/internal/portal"
)

// No Closed or classified entry, nor one outside a platform namespace,
// shows through any route: not its title, not its description, not its
// keywords, not even when asked for by name or searched for by the words
// of its title (the marker itself is not searched for: a search page
// rightly echoes its query).
func TestNoClosedOrClassifiedTitleLeaksThroughAnyRoute(t *testing.T) {
	srv, _ := portalFor(t, "")
	var hiddenIDs, paths []string
	for _, e := range fixtures() {
		if strings.Contains(e.Spec.Title, secret) {
			hiddenIDs = append(hiddenIDs, e.Namespace+"/"+e.Name)
		}
	}
	for _, pattern := range portal.Patterns() {
		r := strings.TrimSuffix(strings.TrimPrefix(pattern, "GET "), "{$}")
		if strings.Contains(r, "{namespace}/{name}") {
			for _, id := range hiddenIDs {
				paths = append(paths, strings.Replace(r, "{namespace}/{name}", id, 1))
			}
			continue
		}
		paths = append(paths, r)
		for _, q := range []string{"q=geodetic", "q=strategic+reserve", "q=" + url.QueryEscape("dam inspection"), "q=outside", "sharing=Closed", "pageSize=1000", "department=natural-resources"} {
			paths = append(paths, r+"?"+q)
		}
	}
	hidden, byName := 0, 0
	for _, pattern := range portal.Patterns() {
		if strings.Contains(pattern, "{namespace}/{name}") {
			byName++
		}
	}
	for _, p := range paths {
		code, body, _ := get(t, srv, p)
		if strings.Contains(body, secret) {
			t.Errorf("GET %s (%d) leaks a hidden entry:\n%.500s", p, code, body[strings.Index(body, secret)-min(200, strings.Index(body, secret)):])
		}
		if strings.HasPrefix(p, "/entries/") || strings.HasPrefix(p, "/api/v1/entries/") {
			hidden++
			if code != 404 {
				t.Errorf("GET %s: %d; want 404, the same as for an entry that does not exist", p, code)
			}
		}
	}
	if len(hiddenIDs) != 4 || byName < 3 || hidden != byName*len(hiddenIDs) {
		t.Fatalf("checked %d requests by name for %d hidden entries; want each of the %d entry routes for each of the 4 fixtures", hidden, len(hiddenIDs), byName)
	}
	t.Logf("%d requests, none shows a hidden entry", len(paths))
}
