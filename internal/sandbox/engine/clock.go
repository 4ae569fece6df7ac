package engine

import "time"

// Clock is an account's clock. It has two readings, for two purposes:
//
//   - Service is the OTP service's time: real time plus an offset that
//     tests move forward (Service.Advance). Every rule of the service reads
//     it (expiry, limit windows, flow steps, the times in records and
//     messages); nothing there calls time.Now, and nothing sleeps to make a
//     step happen. It never goes back: not between two readings, and not
//     across a restart (the offset is saved, and the readings start after
//     every time the state file holds).
//   - Signing is the vendor's wall clock as a client sees it: real time
//     plus the clockSkewSeconds fault. The timestamp window of signatures,
//     the Date header and apps' createTime read it, so that moving the
//     service's clock never makes a client's signature stale.
//
// The account's lock guards it.
type Clock struct {
	real   func() time.Time
	offset time.Duration
	skew   time.Duration
	// last is the latest Service reading: readings never go back, even
	// when two requests read real time in one order and take the lock in
	// the other.
	last time.Time
}

// NewClock makes a clock on the wall clock (time.Now when nil).
func NewClock(wall func() time.Time) *Clock {
	if wall == nil {
		wall = time.Now
	}
	return &Clock{real: wall}
}

// Service reads the service's clock.
func (c *Clock) Service() time.Time {
	t := c.real().Add(c.offset).Round(0) // wall time only: times are compared after a restart
	if t.Before(c.last) {
		t = c.last
	}
	c.last = t
	return t
}

// Signing reads the vendor's wall clock, skewed by the fault.
func (c *Clock) Signing() time.Time { return c.real().Add(c.skew) }

// Offset is what the advances added to the service's clock.
func (c *Clock) Offset() time.Duration { return c.offset }

// SetSkew sets the clockSkewSeconds fault.
func (c *Clock) SetSkew(d time.Duration) { c.skew = d }

// notBefore keeps the service's readings at or after t: a state file's
// times, so that a restart never takes the clock back.
func (c *Clock) notBefore(t time.Time) {
	if t.After(c.last) {
		c.last = t
	}
}

// reset puts the service's clock back to real time, for a reset of the
// account: nothing it stamped is left to come before.
func (c *Clock) reset() { c.offset, c.last = 0, time.Time{} }

// VendorTime is how the vendor writes times: RFC 3339 at +08:00, as in its
// samples ("2022-01-01T00:00:00+08:00").
func VendorTime(t time.Time) string { return t.In(vendorZone).Format(time.RFC3339) }

// vendorZone is the vendor's time zone: its samples show +08:00.
var vendorZone = time.FixedZone("UTC+8", 8*60*60)

// vendorTimePtr is VendorTime, or null for a time that has not come.
func vendorTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := VendorTime(t)
	return &s
}

// ControlTime is how the control surface writes times: RFC 3339 in UTC,
// with the fraction of a second when there is one.
func ControlTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
