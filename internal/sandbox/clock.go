package sandbox

import "time"

// serviceClock is an account's service clock: real time plus an offset that tests
// move forward. Every rule of the OTP service reads it (expiry, limit
// windows, flow steps, the times in records and messages); nothing there
// calls time.Now, and nothing sleeps to make a step happen. The signature
// window is not on it: it keeps to real time (plus the skew fault), so
// that moving this clock never makes a client's signature stale.
type serviceClock struct {
	real   func() time.Time
	offset time.Duration
	// last is the latest reading: readings never go back, even when two
	// requests read real time in one order and take the lock in the other.
	last time.Time
}

// now reads the clock; the caller holds the server's lock.
func (c *serviceClock) now() time.Time {
	t := c.real().Add(c.offset).Round(0) // wall time only: records are compared after a restart
	if t.Before(c.last) {
		t = c.last
	}
	c.last = t
	return t
}

// advance moves the clock forward by d (d >= 0).
func (c *serviceClock) advance(d time.Duration) { c.offset += d }

// vendorTime is how the vendor writes times: RFC 3339 at +08:00, as in its
// samples ("2022-01-01T00:00:00+08:00").
func vendorTime(t time.Time) string { return t.In(createTimeZone).Format(time.RFC3339) }

// vendorTimePtr is vendorTime, or null for a time that has not come.
func vendorTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := vendorTime(t)
	return &s
}

// controlTime is how the control surface writes times: RFC 3339 in UTC,
// with the fraction of a second when there is one.
func controlTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
