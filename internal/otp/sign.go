package otp

import (
	"crypto/md5" //nolint:gosec // The vendor's signature scheme is md5; we do not choose it.
	"encoding/hex"
	"fmt"
	"strconv"
)

// Sign returns the vendor's request signature: the lower-case hex md5 of
// key + secret + timestamp, concatenated without separators. The body, path
// and query are not part of it.
func Sign(key, secret string, timestamp int64) string {
	sum := md5.Sum([]byte(key + secret + strconv.FormatInt(timestamp, 10))) //nolint:gosec // see import
	return hex.EncodeToString(sum[:])
}

// Secret holds a credential that must never be printed. Every fmt verb and
// JSON encoding shows a placeholder, so a Config or Client can be logged or
// wrapped into an error without leaking it.
type Secret string

const redacted = "[REDACTED]"

// String implements fmt.Stringer.
func (Secret) String() string { return redacted }

// GoString implements fmt.GoStringer, so %#v is safe too.
func (Secret) GoString() string { return redacted }

// Format covers the remaining verbs (%x, %q, …) that would otherwise print the bytes.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON keeps the secret out of any JSON dump.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Reveal returns the secret itself; it is the only way to read it.
func (s Secret) Reveal() string { return string(s) }
