{{- define "t.labels" -}}
app: tricky
{{- with .Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}
