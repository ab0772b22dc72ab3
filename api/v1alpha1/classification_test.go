package v1alpha1

import "testing"

// The order, what an unset level means and how an unknown value ranks.
func TestRankOrdersLevels(t *testing.T) {
	if ClassificationLevel("").Rank() != ClassificationPublic.Rank() || ClassificationInternal.Rank() >= ClassificationConfidential.Rank() ||
		ClassificationSecret.Rank() >= ClassificationTopSecret.Rank() || ClassificationLevel("Bogus").Rank() != ClassificationTopSecret.Rank() {
		t.Fatal("levels are not ranked Public < Internal < Confidential < Secret < TopSecret, unknown as TopSecret")
	}
	for i, l := range ClassificationLevels() {
		if l.Rank() != i || !l.Known() {
			t.Errorf("%s ranks %d (known %v); want %d", l, l.Rank(), l.Known(), i)
		}
	}
	if ClassificationLevels()[0] = "Changed"; ClassificationLevels()[0] != ClassificationPublic {
		t.Error("a caller changed the order through ClassificationLevels")
	}
}

func TestUnsetIsPublicAndUnknownIsClassified(t *testing.T) {
	for _, tc := range []struct {
		level      ClassificationLevel
		orPublic   ClassificationLevel
		known      bool
		classified bool
	}{
		{"", ClassificationPublic, true, false},
		{ClassificationPublic, ClassificationPublic, true, false},
		{ClassificationInternal, ClassificationInternal, true, false},
		{ClassificationConfidential, ClassificationConfidential, true, true},
		{ClassificationSecret, ClassificationSecret, true, true},
		{ClassificationTopSecret, ClassificationTopSecret, true, true},
		{"Bogus", "Bogus", false, true},
	} {
		if got := tc.level.OrPublic(); got != tc.orPublic {
			t.Errorf("%q.OrPublic() = %q; want %q", tc.level, got, tc.orPublic)
		}
		if got := tc.level.Known(); got != tc.known {
			t.Errorf("%q.Known() = %v; want %v", tc.level, got, tc.known)
		}
		if got := tc.level.IsClassified(); got != tc.classified {
			t.Errorf("%q.IsClassified() = %v; want %v", tc.level, got, tc.classified)
		}
	}
	if !ClassificationLevel("").Within(ClassificationPublic) || ClassificationSecret.Within(ClassificationConfidential) || !ClassificationSecret.Within(ClassificationSecret) {
		t.Error("Within does not compare ranks")
	}
}
