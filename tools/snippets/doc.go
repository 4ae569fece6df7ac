// Package snippets checks the CI configurations that the guides show (they
// are not HCL, so terraform validate cannot): each is YAML that parses, and
// says what the guide says it says; those that run the sandbox's image as a
// service pin the image the release publishes, at the version being
// released, and set only variables the sandbox reads.
package snippets
