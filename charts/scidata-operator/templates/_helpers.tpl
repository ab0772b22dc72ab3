{{/*
Names. One operator per cluster: the CRDs, the platform ClusterRoles and the
admission policies have fixed names the operator's code and docs use; what
belongs to the release (manager, its RBAC, Service) is named after it.
*/}}
{{- define "scidata-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 55 | trimSuffix "-" }}
{{- end }}

{{- define "scidata-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 55 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The manager's Deployment, ClusterRole and bindings. */}}
{{- define "scidata-operator.managerName" -}}
{{- printf "%s-manager" (include "scidata-operator.fullname" .) }}
{{- end }}

{{- define "scidata-operator.serviceAccountName" -}}
{{- default (include "scidata-operator.managerName" .) .Values.serviceAccount.name }}
{{- end }}

{{/*
The manager's identity as the apiserver sees it. The admission policies
compare request.userInfo.username with it: only the manager creates
Submissions, writes receipts and approves a platform namespace's deletion.
*/}}
{{- define "scidata-operator.managerUsername" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "scidata-operator.serviceAccountName" .) }}
{{- end }}

{{- define "scidata-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object of the release. */}}
{{- define "scidata-operator.labels" -}}
helm.sh/chart: {{ include "scidata-operator.chart" . }}
app.kubernetes.io/name: {{ include "scidata-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: scidata-operator
{{- end }}

{{/*
The manager pods' selector. app.kubernetes.io/component=manager is a
contract: the Center's object store admits the manager's pods by it (its
NetworkPolicy), in the release namespace.
*/}}
{{- define "scidata-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scidata-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: manager
{{- end }}

{{/*
An image reference from {repository, tag, digest}: by digest when one is
given, else by tag, else by the chart's appVersion.
Call with (dict "image" .Values.image "root" .).
*/}}
{{- define "scidata-operator.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{- define "scidata-operator.managerImage" -}}
{{- include "scidata-operator.image" (dict "image" .Values.image "root" .) }}
{{- end }}

{{/*
The operator's image as the pods it runs use it: the portal, the sync Jobs
and the store's init and bootstrap containers.
*/}}
{{- define "scidata-operator.operandOperatorImage" -}}
{{- if .Values.operands.operatorImage.repository }}
{{- include "scidata-operator.image" (dict "image" .Values.operands.operatorImage "root" .) }}
{{- else }}
{{- include "scidata-operator.managerImage" . }}
{{- end }}
{{- end }}

{{- define "scidata-operator.objectStoreImage" -}}
{{- include "scidata-operator.image" (dict "image" .Values.operands.objectStoreImage "root" .) }}
{{- end }}

{{/*
The manager's flags: those of config/manager/manager.yaml (the chart tests
compare the two), then extraArgs, which may not repeat one of them.
*/}}
{{- define "scidata-operator.managerArgs" -}}
{{- if eq (int .Values.metrics.port) 8081 }}
{{- fail "metrics.port: 8081 is the port of the manager's health probes; choose another" }}
{{- end }}
{{- $args := list
  "manager"
  "--leader-elect"
  (printf "--metrics-bind-address=:%d" (int .Values.metrics.port))
  "--health-probe-bind-address=:8081"
  (printf "--object-store-image=%s" (include "scidata-operator.objectStoreImage" .))
  (printf "--operator-image=%s" (include "scidata-operator.operandOperatorImage" .))
  (printf "--image-pull-policy=%s" .Values.operands.imagePullPolicy)
  (printf "--max-concurrent-reconciles=%d" (int .Values.controllers.maxConcurrentReconciles))
  (printf "--sync-period=%s" .Values.controllers.syncPeriod)
  (printf "--requeue-jitter=%s" .Values.controllers.requeueJitter)
  (printf "--kube-api-qps=%v" .Values.kubeAPI.qps)
  (printf "--kube-api-burst=%d" (int .Values.kubeAPI.burst)) }}
{{- with .Values.controllers.maxConcurrentReconcilesPerKind }}
{{- $perKind := list }}
{{- range $kind, $n := . }}
{{- $perKind = append $perKind (printf "%s=%d" $kind (int $n)) }}
{{- end }}
{{- $args = append $args (printf "--max-concurrent-reconciles-per-kind=%s" (join "," $perKind)) }}
{{- end }}
{{- if .Values.dnsService }}
{{- $args = append $args (printf "--dns-service=%s" .Values.dnsService) }}
{{- end }}
{{- $set := list }}
{{- range $args }}
{{- if hasPrefix "--" . }}
{{- $set = append $set (regexReplaceAll "=.*$" . "") }}
{{- end }}
{{- end }}
{{- range .Values.extraArgs }}
{{- $flag := regexReplaceAll "=.*$" . "" }}
{{- if has $flag $set }}
{{- fail (printf "extraArgs: %s is set by the chart; use its value instead (see docs/install.md)" $flag) }}
{{- end }}
{{- if has $flag (list "--operator-namespace" "--leader-election-namespace") }}
{{- fail (printf "extraArgs: %s must stay the release namespace (the manager keeps its CA there and the admission policies name its identity there)" $flag) }}
{{- end }}
{{- $args = append $args . }}
{{- end }}
{{- toYaml $args }}
{{- end }}
