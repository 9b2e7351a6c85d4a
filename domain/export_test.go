package domain

// ParseSlow exposes the full UTS #46 path of Parse, so that tests can
// check the letters-digits-hyphen fast path against it.
var ParseSlow = parseSlow
