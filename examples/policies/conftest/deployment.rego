# conftest style, Rego v1: `input` is one object. Run with
#   klint --policy examples/policies/conftest examples/
package main

import rego.v1

import data.lib

# An error: conftest `deny` rules (with a suffix, so that an exception can name them).
deny_run_as_root contains msg if {
	input.kind in {"Deployment", "StatefulSet", "DaemonSet"}
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s %s: set spec.template.spec.securityContext.runAsNonRoot", [input.kind, input.metadata.name])
}

# A warning that points at the field: `field` is a path relative to the object.
warn_latest_tag contains {
	"msg": sprintf("container %s uses the mutable tag latest", [container.name]),
	"field": sprintf("spec.template.spec.containers[%d].image", [i]),
} if {
	some i, container in input.spec.template.spec.containers
	endswith(container.image, ":latest")
}

# Images from registries outside `--data examples/policies/data/registries.yaml`.
deny_registry contains {"msg": msg, "field": sprintf("spec.template.spec.containers[%d].image", [i])} if {
	allowed := data.registries.allowed
	some i, container in input.spec.template.spec.containers
	not lib.from_registry(container.image, allowed)
	msg := sprintf("image %s is not from an allowed registry", [container.image])
}

# conftest exceptions: this Deployment may run as root.
exception contains rules if {
	input.kind == "Deployment"
	input.metadata.name == "legacy-agent"
	rules := ["run_as_root"]
}
