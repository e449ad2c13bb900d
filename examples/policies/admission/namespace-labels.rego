# Admission style: `input` is an AdmissionReview request, as OPA sees it behind the API server.
# This is the policy of OPA's Kubernetes admission tutorial, unchanged (Rego v0).
package kubernetes.admission

deny[msg] {
  input.request.kind.kind = "Namespace"
  not input.request.object.metadata.labels
  msg := "all namespaces must have a label"
}
