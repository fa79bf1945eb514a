{{/* The release's base name, at most 63 characters (DNS labels). */}}
{{- define "coderready.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "coderready.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The builder's name: the fullname with -builder, within 63 characters. */}}
{{- define "coderready.builderName" -}}
{{- printf "%s-builder" (include "coderready.fullname" . | trunc 55 | trimSuffix "-") -}}
{{- end -}}

{{- define "coderready.builderNamespace" -}}
{{- default .Release.Namespace .Values.builder.namespace -}}
{{- end -}}

{{- define "coderready.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "coderready.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The server pods. */}}
{{- define "coderready.selectorLabels" -}}
app.kubernetes.io/name: {{ include "coderready.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{/* The builder pod. */}}
{{- define "coderready.builderSelectorLabels" -}}
app.kubernetes.io/name: {{ include "coderready.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: builder
{{- end -}}

{{- define "coderready.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "coderready.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "coderready.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "coderready.builderImage" -}}
{{- $suffix := ternary "dind-rootless" "dind" .Values.builder.rootless -}}
{{- printf "%s:%s" .Values.builder.image.repository (default (printf "%s-%s" .Values.builder.dockerVersion $suffix) .Values.builder.image.tag) -}}
{{- end -}}

{{- define "coderready.prunerImage" -}}
{{- printf "%s:%s" .Values.builder.pruner.image.repository (default (printf "%s-cli" .Values.builder.dockerVersion) .Values.builder.pruner.image.tag) -}}
{{- end -}}

{{/* The Secret holding the app's credentials: the user's or the chart's. */}}
{{- define "coderready.githubSecret" -}}
{{- default (include "coderready.fullname" .) .Values.github.existingSecret -}}
{{- end -}}

{{/* Whether the chart makes a Secret: credentials or a database URL given inline. */}}
{{- define "coderready.chartSecret" -}}
{{- $g := .Values.github -}}
{{- if or (and (not $g.existingSecret) (or $g.appId $g.webhookSecret $g.privateKey)) .Values.database.url -}}true{{- end -}}
{{- end -}}

{{/* Whether the server has a private key to mount. */}}
{{- define "coderready.hasKey" -}}
{{- if or .Values.github.existingSecret .Values.github.privateKey -}}true{{- end -}}
{{- end -}}

{{/* Which database the server uses: url, secret, parts or none. */}}
{{- define "coderready.databaseMode" -}}
{{- $d := .Values.database -}}
{{- $n := 0 -}}
{{- if $d.url }}{{ $n = add1 $n }}{{ end -}}
{{- if $d.existingSecret }}{{ $n = add1 $n }}{{ end -}}
{{- if $d.host }}{{ $n = add1 $n }}{{ end -}}
{{- if gt $n 1 -}}
{{- fail "database: give one of url, existingSecret or host" -}}
{{- end -}}
{{- if $d.url -}}url{{- else if $d.existingSecret -}}secret{{- else if $d.host -}}parts{{- else -}}none{{- end -}}
{{- end -}}

{{/* The builder the server reaches: internal, external or none. */}}
{{- define "coderready.builderMode" -}}
{{- if and .Values.builder.enabled .Values.externalBuilder.host -}}
{{- fail "builder.enabled and externalBuilder.host: choose one builder" -}}
{{- end -}}
{{- if .Values.builder.enabled -}}internal{{- else if .Values.externalBuilder.host -}}external{{- else -}}none{{- end -}}
{{- end -}}

{{/* The builder Service's in-cluster DNS name. */}}
{{- define "coderready.builderHost" -}}
{{- printf "%s.%s.svc.%s" (include "coderready.builderName" .) (include "coderready.builderNamespace" .) .Values.builder.clusterDomain -}}
{{- end -}}

{{- define "coderready.dockerHost" -}}
{{- $mode := include "coderready.builderMode" . -}}
{{- if eq $mode "internal" -}}
{{- printf "tcp://%s:%d" (include "coderready.builderHost" .) (int .Values.builder.port) -}}
{{- else if eq $mode "external" -}}
{{- .Values.externalBuilder.host -}}
{{- end -}}
{{- end -}}

{{/* The Secret with the server's client certificate for the builder. */}}
{{- define "coderready.builderClientSecret" -}}
{{- if eq (include "coderready.builderMode" .) "external" -}}
{{- .Values.externalBuilder.tlsSecret -}}
{{- else -}}
{{- default (printf "%s-client-tls" (include "coderready.builderName" .)) .Values.builder.tls.clientSecret -}}
{{- end -}}
{{- end -}}

{{- define "coderready.builderServerSecret" -}}
{{- default (printf "%s-tls" (include "coderready.builderName" .)) .Values.builder.tls.serverSecret -}}
{{- end -}}

{{/* The server's public address. */}}
{{- define "coderready.publicURL" -}}
{{- if .Values.publicURL -}}
{{- .Values.publicURL -}}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts -}}
{{- printf "https://%s" (first .Values.ingress.hosts) -}}
{{- end -}}
{{- end -}}

{{/* The builder's data directory inside its container. */}}
{{- define "coderready.builderDataDir" -}}
{{- ternary "/home/rootless/.local/share/docker" "/var/lib/docker" .Values.builder.rootless -}}
{{- end -}}

{{/* The checks the chart makes of its values before rendering anything. */}}
{{- define "coderready.validate" -}}
{{- $db := include "coderready.databaseMode" . -}}
{{- $builder := include "coderready.builderMode" . -}}
{{- if and .Values.persistence.enabled (gt (int .Values.replicaCount) 1) -}}
{{- fail "persistence (SQLite on a volume) is for replicaCount: 1; more replicas share a database (database.*)" -}}
{{- end -}}
{{- if and .Values.persistence.enabled (ne $db "none") -}}
{{- fail "persistence is SQLite's volume; with a database the data dir is scratch space: turn persistence off" -}}
{{- end -}}
{{- if and (eq $builder "external") (not .Values.externalBuilder.tlsSecret) -}}
{{- fail "externalBuilder.host needs externalBuilder.tlsSecret: the builder is reached over TLS only" -}}
{{- end -}}
{{- if and (eq $builder "external") (not (hasPrefix "tcp://" .Values.externalBuilder.host)) -}}
{{- fail "externalBuilder.host: want tcp://host:port" -}}
{{- end -}}
{{- if and .Values.builder.enabled (ne (empty .Values.builder.tls.serverSecret) (empty .Values.builder.tls.clientSecret)) -}}
{{- fail "builder.tls: give both serverSecret and clientSecret, or neither (the chart makes them)" -}}
{{- end -}}
{{- if and .Values.github.existingSecret (or .Values.github.appId .Values.github.webhookSecret .Values.github.privateKey) -}}
{{- fail "github: existingSecret or the credentials inline, not both" -}}
{{- end -}}
{{- end -}}
