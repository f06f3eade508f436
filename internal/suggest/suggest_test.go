package suggest

import "testing"

func TestClosest(t *testing.T) {
	t.Parallel()
	keys := []string{"template", "image_parameter", "parameters", "ApiPort", "ApiHealthCheckPath"}
	for _, tc := range []struct{ name, want string }{
		{"templte", "template"},
		{"image-parameter", "image_parameter"},
		{"apiport", "ApiPort"},
		{"ApiPrt", "ApiPort"},
		{"parameter", "parameters"},
		{"DesiredCount", ""},
		{"", ""},
	} {
		if got := Closest(tc.name, keys); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
