package sync

// AlwaysReadBack makes a run treat the Center's store as one that does not
// verify checksums: no probe, every object read back before it is
// recorded. The tests' engines both verify, so this is how the fallback
// is run against a real server.
func AlwaysReadBack(c *Config) { c.alwaysReadBack = true }
