{{/* Labels that select one component's pods; never change them on upgrade (selectors are immutable). */}}
{{- define "l2lb.selectorLabels" -}}
app.kubernetes.io/name: l2lb
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Downward API: who and where this pod is. */}}
{{- define "l2lb.podEnv" -}}
- name: POD_NAMESPACE
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
- name: POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: POD_UID
  valueFrom: { fieldRef: { fieldPath: metadata.uid } }
{{- end -}}

{{/* Container-level hardening shared by both programs. */}}
{{- define "l2lb.containerHardening" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
{{- end -}}

{{- define "l2lb.metricsServiceName" -}}{{ .name }}-metrics{{- end -}}

{{/* Labels of one alert: severity plus the user's additionalAlertLabels. */}}
{{- define "l2lb.alertLabels" -}}
severity: {{ .severity }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end -}}
