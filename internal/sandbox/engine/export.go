package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// An account's OTP service as one document, for the sandbox's export and
// import: what the state file keeps of it, in the state file's encoding.

// ServiceExport is an account's OTP service: its clock's offset, settings,
// numbers and verifications (oldest first, each with its attempts).
type ServiceExport struct {
	ClockOffsetSeconds float64                  `json:"clockOffsetSeconds"`
	Settings           Settings                 `json:"settings"`
	Numbers            map[string]NumberOutcome `json:"numbers"`
	Verifications      []*verification          `json:"verifications"`
}

// AppendExport appends the service's ServiceExport as JSON, as encoding/json
// writes it: by hand for the verifications, which an account holds by the
// thousand, so that the account waits little for its export.
func (s *Service) AppendExport(b []byte) []byte {
	s.rebuild()
	offset, _ := json.Marshal(s.opts.Clock.offset.Seconds())
	numbers := s.network.overrides
	if numbers == nil {
		numbers = map[string]NumberOutcome{}
	}
	b = append(append(b, `{"clockOffsetSeconds":`...), offset...)
	b = append(append(b, `,"settings":`...), mustJSON(s.Settings())...)
	b = append(append(b, `,"numbers":`...), mustJSON(numbers)...)
	b = append(b, `,"verifications":[`...)
	for i, v := range s.byAge[s.ageHead:] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendVerification(b, v)
	}
	return append(b, "]}"...)
}

// Stage reads an export into a service of its own, on a clock of its own,
// checked as a state file is: it takes the account's place with Install,
// once the import is saved. Nothing of s changes.
func (s *Service) Stage(x ServiceExport) (*Service, error) {
	clock := NewClock(s.opts.Clock.real)
	opts := s.opts
	opts.Clock = clock
	st := New(opts)
	if x.ClockOffsetSeconds < 0 || x.ClockOffsetSeconds > 100*366*86400 {
		return nil, fmt.Errorf("clockOffsetSeconds must be from 0 to a century: the clock only moves forward (got %v)", x.ClockOffsetSeconds)
	}
	clock.offset = time.Duration(x.ClockOffsetSeconds * float64(time.Second))
	st.settings = x.Settings
	if st.settings.SensitiveWords == nil {
		st.settings.SensitiveWords = []string{}
	}
	for _, to := range slices.Sorted(maps.Keys(x.Numbers)) {
		o := x.Numbers[to]
		if !IsPhoneNumber(to) {
			return nil, fmt.Errorf("numbers: %w", errNotANumber(to))
		}
		if err := CheckOutcome(&o); err != nil {
			return nil, fmt.Errorf("numbers: %s: %w", to, err)
		}
		if st.network.overrides == nil {
			st.network.overrides = map[string]NumberOutcome{}
		}
		st.network.overrides[to] = o
	}
	for i, v := range x.Verifications {
		if v == nil || v.ID == "" {
			return nil, fmt.Errorf("verifications[%d] has no verificationId", i)
		}
		if st.verifs[v.ID] != nil {
			return nil, fmt.Errorf("verifications: verificationId %s appears twice", v.ID)
		}
		if err := st.loadVerification(v); err != nil {
			return nil, fmt.Errorf("verifications: %s: %w", v.ID, err)
		}
	}
	st.unbuilt = true
	st.rebuild()
	return st, nil
}

// VerificationIDs are the ids of the service's verifications.
func (s *Service) VerificationIDs() []string {
	s.rebuild()
	return slices.Sorted(maps.Keys(s.verifs))
}

// Has says whether the service holds a verification of this id.
func (s *Service) Has(id string) bool {
	s.rebuild()
	return s.verifs[id] != nil
}

// Install puts a staged service in s's place, its clock in s's clock (the
// skew fault stays s's): the waits on the messages look again.
func (s *Service) Install(st *Service) {
	if st == nil {
		panic(errors.New("engine: Install of no service"))
	}
	close(s.changed)
	clock := s.opts.Clock
	skew := clock.skew
	*clock = *st.opts.Clock
	clock.skew = skew
	*s = *st
	s.opts.Clock = clock
}
