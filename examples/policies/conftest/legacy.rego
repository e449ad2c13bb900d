# conftest style, Rego v0 syntax (`deny[msg] { ... }`), as older policy repositories have it.
package main

deny[msg] {
	input.kind == "Pod"
	input.spec.hostNetwork == true
	msg := sprintf("pod %v uses the host network", [input.metadata.name])
}

violation[{"msg": msg, "field": "spec.hostPID"}] {
	input.kind == "Pod"
	input.spec.hostPID
	msg := "pod shares the host PID namespace"
}
