// Package engine is the OTP service of one sandbox account: what the vendor
// does with an app, a template and a task flow when an application sends a
// code, checks it, resends it or asks for its record.
//
// It knows neither HTTP nor the state file. The account's configuration
// comes in through Config on every call (the objects as they are now);
// every change goes out through Options.Save, as Changes, before the call
// returns, and a call whose changes cannot be saved changes nothing.
// Load and Snapshot read those Changes back and write the whole state as
// Changes, for the journal's replay and compaction.
//
// The files, one concern each:
//
//   - service.go: the Service, its options and its transactions (every call
//     runs as one: mutate, save, or undo everything);
//   - config.go: what the service reads of the account's configuration;
//   - verification.go: verifications and their attempts; send, resend,
//     verify and sna completion;
//   - flows.go: the task flows' steps, run in due order on the clock;
//   - limits.go: the apps' send limits, sliding windows;
//   - retention.go: what an account keeps, and forgetting the oldest;
//   - network.go: the phone network, number ranges and per-number outcomes;
//   - messages.go: the message log tests read and purge;
//   - records.go: the vendor's record answers (GET /verification/record and
//     the order record);
//   - sms.go: how many SMS a text takes (GSM 03.38 and UCS-2);
//   - clock.go: the account's clock, with its two readings;
//   - ids.go: verificationIds, unique across the sandbox;
//   - changes.go: Changes, Load and Snapshot; encode.go: a verification
//     written as the state file keeps it, without reflection;
//   - codes.go: the vendor's status codes and the service's refusals.
//
// The Service is not safe for concurrent use: its account's lock guards it.
package engine
