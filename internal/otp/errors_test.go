package otp

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// badArticle finds "a" before a vowel and "an" before a consonant.
var badArticle = regexp.MustCompile(`(?i)\b(a [aeiou]|an [^aeiou\s"'])`)

// TestErrorGrammarForEveryKind builds every error whose text comes from a
// kind's noun, for every kind, and reads it: "a app" is the bug it guards.
func TestErrorGrammarForEveryKind(t *testing.T) {
	cause := errors.New("cause")
	for _, noun := range []string{flowKind.noun, appKind.noun, templateKind.noun} {
		for _, err := range []error{
			&UnconfirmedCreateError{Kind: noun, Name: "x", Exists: true, Err: cause},
			&UnconfirmedCreateError{Kind: noun, Name: "x", Err: cause, LookupErr: cause},
			&UnconfirmedCreateError{Kind: noun, Name: "x", Err: cause},
			&NotFoundError{Kind: noun, ID: "1", Listed: true, Cause: cause},
			&NameTakenError{Kind: noun, Name: "x", HolderID: "1", Err: cause},
		} {
			if m := badArticle.FindString(err.Error()); m != "" {
				t.Errorf("%q in: %s", m, err)
			}
		}
	}
}

// TestNotFoundAdviceOnCreate: a create refused as "not found" removed
// nothing; what is missing is what the new object refers to.
func TestNotFoundAdviceOnCreate(t *testing.T) {
	create := (&APIError{Operation: `create template "x"`, Code: CodeNotFound, Reason: "data unexisting"}).Error()
	read := (&APIError{Operation: "read template 1", Code: CodeNotFound, Reason: "data unexisting"}).Error()
	if strings.Contains(create, "removed in the vendor console") || !strings.Contains(create, "refers to does not exist") {
		t.Errorf("create: %s", create)
	}
	if !strings.Contains(read, "removed in the vendor console") {
		t.Errorf("read: %s", read)
	}
}
