package engine

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// An account's test set-up: the outcomes of its numbers (with their fixed
// codes) and its settings. They are changes like any other: made in a
// call, saved before it returns (the state file keeps them), undone when
// they cannot be saved.

// The kinds of Change of the set-up.
const (
	// KindNumber: a number's outcome is now Obj (OpPut), or back to its
	// range's (OpDelete); ID is the number.
	KindNumber = "number"
	// KindSettings: the settings are now Obj (OpPut).
	KindSettings = "settings"
)

// setupTx is what a call changed of the set-up, to save or undo it.
type setupTx struct {
	numbers  []string                  // in the order changed
	before   map[string]*NumberOutcome // as they were: nil for none
	settings *Settings                 // as they were, when changed
}

// SetOutcome sets what happens to the account's next attempts to a
// number, over its range, and saves it; CheckOutcome first.
func (s *Service) SetOutcome(cfg Config, to string, o NumberOutcome) error {
	return s.run(cfg, func(time.Time) error {
		s.noteNumber(to)
		if s.network.overrides == nil {
			s.network.overrides = map[string]NumberOutcome{}
		}
		s.network.overrides[to] = o
		return nil
	})
}

// ChangeOutcome changes the fields of a number's outcome that c gives,
// over what the number has now, and saves it as the number's outcome
// (CheckOutcomeChange first); it returns the outcome set.
func (s *Service) ChangeOutcome(cfg Config, to string, c OutcomeChange) (NumberOutcome, error) {
	now, _ := s.network.outcome(to)
	o := c.over(now)
	return o, s.SetOutcome(cfg, to, o)
}

// ClearOutcome gives a number back the outcome of its range, and saves it.
func (s *Service) ClearOutcome(cfg Config, to string) error {
	return s.run(cfg, func(time.Time) error {
		if _, set := s.network.overrides[to]; set {
			s.noteNumber(to)
			delete(s.network.overrides, to)
		}
		return nil
	})
}

// SetSettings replaces the account's settings, and saves them; the caller
// checks them first.
func (s *Service) SetSettings(cfg Config, set Settings) error {
	return s.run(cfg, func(time.Time) error {
		if s.tx.setup.settings == nil {
			before := s.Settings()
			s.tx.setup.settings = &before
		}
		set.SensitiveWords = slices.Clone(set.SensitiveWords)
		if set.SensitiveWords == nil {
			set.SensitiveWords = []string{}
		}
		s.settings = set
		return nil
	})
}

func (s *Service) noteNumber(to string) {
	t := &s.tx.setup
	if t.before == nil {
		t.before = map[string]*NumberOutcome{}
	}
	if _, seen := t.before[to]; seen {
		return
	}
	var prev *NumberOutcome
	if o, set := s.network.overrides[to]; set {
		prev = &o
	}
	t.before[to] = prev
	t.numbers = append(t.numbers, to)
}

// setupChanges are the changes of the set-up a call made.
func (s *Service) setupChanges(t *setupTx) []Change {
	var out []Change
	for _, to := range t.numbers {
		if o, set := s.network.overrides[to]; set {
			out = append(out, numberChange(to, o))
		} else {
			out = append(out, Change{Kind: KindNumber, Op: OpDelete, ID: to})
		}
	}
	if t.settings != nil {
		out = append(out, settingsChange(s.settings))
	}
	return out
}

// undoSetup puts the set-up back as it was before the call.
func (s *Service) undoSetup(t *setupTx) {
	for to, prev := range t.before {
		if prev == nil {
			delete(s.network.overrides, to)
		} else {
			s.network.overrides[to] = *prev
		}
	}
	if t.settings != nil {
		s.settings = *t.settings
	}
}

func numberChange(to string, o NumberOutcome) Change {
	return Change{Kind: KindNumber, Op: OpPut, ID: to, Obj: mustJSON(o)}
}

func settingsChange(set Settings) Change {
	return Change{Kind: KindSettings, Op: OpPut, Obj: mustJSON(set)}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("engine: a change does not encode: " + err.Error())
	}
	return b
}

// loadSetup applies a set-up change read from the state file.
func (s *Service) loadSetup(c Change) error {
	switch {
	case c.Kind == KindNumber && c.Op == OpPut:
		var o NumberOutcome
		if err := DecodeExact(c.Obj, &o); err != nil {
			return err
		}
		if err := CheckOutcome(&o); err != nil {
			return err
		}
		if !IsPhoneNumber(c.ID) {
			return errNotANumber(c.ID)
		}
		if s.network.overrides == nil {
			s.network.overrides = map[string]NumberOutcome{}
		}
		s.network.overrides[c.ID] = o
	case c.Kind == KindNumber && c.Op == OpDelete:
		delete(s.network.overrides, c.ID)
	case c.Kind == KindSettings && c.Op == OpPut:
		var set Settings
		if err := DecodeExact(c.Obj, &set); err != nil {
			return err
		}
		s.settings = set
	default:
		return errNotOfKind(c)
	}
	return nil
}

// setupState is the set-up in a State.
type setupState struct {
	numbers  map[string]NumberOutcome
	settings Settings
}

func (s *Service) setupSnapshot() setupState {
	return setupState{numbers: maps.Clone(s.network.overrides), settings: s.Settings()}
}

// encode emits the changes that rebuild the set-up: the settings when
// they are not the default, then each number in order.
func (st setupState) encode(emit func(Change) error) error {
	if st.settings.InsufficientBalance || st.settings.FeeFailure || len(st.settings.SensitiveWords) > 0 {
		if err := emit(settingsChange(st.settings)); err != nil {
			return err
		}
	}
	for _, to := range slices.Sorted(maps.Keys(st.numbers)) {
		if err := emit(numberChange(to, st.numbers[to])); err != nil {
			return err
		}
	}
	return nil
}
