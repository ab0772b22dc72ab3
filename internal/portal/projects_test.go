package portal_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/scidata-io/scidata-operator/internal/portal"
)

// The public project view counts a project's listed entries and those the
// Center received; the page shows the same.
func TestTheProjectViewCountsListedEntries(t *testing.T) {
	setup(t)
	srv, _, _ := servePortal(t, "", listed)
	code, body, _ := get(t, srv, "/api/v1/projects")
	var out struct{ Projects []portal.ProjectView }
	if err := json.Unmarshal([]byte(body), &out); code != http.StatusOK || err != nil {
		t.Fatalf("%d %v\n%s", code, err, body)
	}
	var rain *portal.ProjectView
	for i := range out.Projects {
		if out.Projects[i].ProjectID == "BZ-2024-01" {
			rain = &out.Projects[i]
		}
	}
	if rain == nil || rain.Entries != 1 || rain.Ready || len(rain.Datasets) != 1 || rain.Datasets[0] != "scidata-water-resources/rainfall" {
		t.Fatalf("project BZ-2024-01: %+v in %s", rain, body)
	}
	if code, page, _ := get(t, srv, "/projects"); code != http.StatusOK || !strings.Contains(page, `id="project-BZ-2024-01"`) {
		t.Errorf("/projects: %d\n%s", code, page)
	}
}
