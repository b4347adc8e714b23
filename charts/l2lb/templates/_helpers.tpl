{{- define "l2lb.labels" -}}
app.kubernetes.io/name: l2lb
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "l2lb.controllerName" -}}{{ .Release.Name }}-controller{{- end -}}
{{- define "l2lb.speakerName" -}}{{ .Release.Name }}-speaker{{- end -}}
{{- define "l2lb.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}
