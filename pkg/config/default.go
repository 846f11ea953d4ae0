package config

// Default returns v, or def when v is zero or negative: how a count, size or duration
// left unset (or set below zero, which means nothing) in a Config takes its default.
// Settings where a negative value means something (a rate of -1 that turns a limit
// off) do not use it.
func Default[T number](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// number is what Default takes: counts, sizes and durations (time.Duration is an int64).
type number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}
