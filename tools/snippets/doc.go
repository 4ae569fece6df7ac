// Package snippets checks the CI configurations that the guides show (they
// are not HCL, so terraform validate cannot): each is YAML that parses, and
// says what the guide says it says.
package snippets
