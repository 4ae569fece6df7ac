// Package sandbox is a local, stateful implementation of the Itniotech OTP
// API, written from the vendor's documentation: the configuration routes
// (task flows, apps, templates) and the OTP service (sends, checks,
// resends, records), signed and answered as the vendor's, with a control
// surface under /_sandbox/ for tests.
//
// It exists so that the provider, and applications' sign-in flows, can be
// run and tested end to end without an account. It deliberately imports
// neither the API client nor anything of Terraform: it is a second,
// independent reading of the specification, so a misreading in the client
// does not hide itself here.
//
// The account is the unit. Every API key is an account of its own, which
// owns everything of its own (its objects, its OTP service, its clock, its
// faults, its counters) under its own lock; the server keeps only the map
// of accounts, the ids (unique across the sandbox) and the journal, which
// one writer appends to for every account. So no account waits for
// another, and none sees another's objects. The files, one concern each:
//
//   - server.go: Options, the Server, what acts on every account;
//   - accounts.go: the map of accounts: open accounts, the most the
//     sandbox holds, forgetting idle ones, the keyless rule, each
//     account's share of the retention;
//   - account.go: an account, what it owns, and the configuration its OTP
//     engine reads; Account, one account's Go methods;
//   - routes.go: the one route table (every vendor and control route, with
//     what it takes and answers) and the answers for paths no route has;
//     field.go: a route's fields as rules, from which -h's prose and the
//     document's schemas are both made; openapi.go: the OpenAPI 3.1
//     document made from the table (apidoc writes it to docs/sandbox);
//   - vendor.go: what every vendor route does: counters, faults, body,
//     signature, envelope;
//   - control.go: what every control route does: the control token or the
//     account's signature, the account a request is about, strict bodies;
//     and the routes about an account as a whole (reset, counters);
//   - faults.go: the faults, their draws, their routes;
//   - store.go: an account's objects, and the creates, updates and deletes
//     every kind shares; ids.go: how each kind makes its ids;
//   - kind_routes.go: the vendor and console routes every kind shares;
//     console.go: the console's Go methods (edits out of band);
//   - flow.go, app.go, template.go: each kind, with only what the vendor
//     documents differently for it: its fields, rules and ids;
//   - validate.go: reading a JSON body by the vendor's rules;
//   - service.go: the OTP service's vendor and control routes, over the
//     engine; service_parse.go: their bodies; service_notes.go: what the
//     sandbox chose where the vendor is silent;
//   - journal.go: the journal's writer, its compactions, its syncs
//     (writeback_*.go: a compaction's file started on its way to disk);
//     state.go: the state file's records, and loading it; health.go:
//     the health route, which reports the journal's last write;
//   - export.go: an account as one document, and its import;
//   - inbox.go: the web inbox at /, its files (inbox/) embedded;
//     inbox_routes.go: the control routes it reads (the inbox view with
//     its wait, the accounts). Package browser tests it in Chromium.
//
// The OTP service itself (verifications, codes, flows, limits, the phone
// network, records, messages, the clock) is package engine: it knows
// neither HTTP nor the journal, reads the account's configuration through
// an interface, and hands its changes to the account to save.
//
// The control surface requires the control token ("Authorization: Bearer
// <Options.ControlToken>") or the account's own signature; the same
// operations are always available as Go methods. ControlRoutes describes
// its routes, from the table that mounts them.
package sandbox
