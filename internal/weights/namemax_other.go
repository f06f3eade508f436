//go:build !linux

package weights

// nameMax is the longest file name, in bytes, that the target accepts;
// outside Linux the usual limit is assumed.
func nameMax(string) int { return defaultNameMax }

// pathMax is the smallest PATH_MAX of the other systems (1,024 on macOS).
const pathMax = 1024
