package checks

import (
	"cmp"
	"strings"
	"testing"
)

// TestCR123: a final user the file creates with a login shell that refuses
// logins is reported at the command that sets it, and one of a Debian or
// Ubuntu base's system accounts (php's `www-data`) at its USER, known from
// the base; a shell, a later usermod or chsh, another user of the base,
// another base's, a UID and an unknown shell are not.
func TestCR123(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int      // 0: no finding
		msg       string   // what the message says after "login shell "
		ev        Evidence // "" for EvidenceFile
	}{
		{"useradd --shell=/bin/false", "FROM ubuntu:24.04\nRUN useradd --create-home --system --shell=/bin/false worker && usermod --lock worker\nUSER worker\n", 2, "`", ""},
		{"useradd -s nologin", "FROM debian:12\nRUN useradd -m -s /usr/sbin/nologin app\nUSER app\n", 2, "`", ""},
		{"options after the name, the name from an ENV", "FROM python:3.13-slim-bookworm\nENV APP_USER=mobsf\nRUN useradd $APP_USER --uid 9901 --shell /bin/false\nUSER $APP_USER\n", 3, "`/bin/false", ""},
		{"a cluster ending in s", "FROM debian:12\nRUN useradd -ms /sbin/nologin app\nUSER app:app\n", 2, "`", ""},
		{"Debian's adduser --system gives nologin", "FROM debian:12\nRUN adduser --system --group --home /home/app app\nUSER app\n", 2, "`/usr/sbin/nologin", ""},
		{"busybox's adduser -S gives /bin/false", "FROM node:20-alpine\nRUN addgroup -S app && adduser -S -G app app\nUSER app\n", 2, "`/bin/false", ""},
		{"adduser -S on a base whose adduser is not known", "FROM gcr.io/distroless/base:debug\nRUN adduser -S -D app\nUSER app\n", 2, "`/usr/sbin/nologin` (Debian's adduser) or `/bin/false` (busybox's)", ""},
		{"a shell from an ARG", "FROM debian:12\nARG SH=/bin/false\nRUN useradd -m -s $SH app\nUSER app\n", 3, "`", ""},
		{"usermod gives it a shell later", "FROM debian:12\nRUN useradd -m -s /bin/false app\nRUN usermod --shell /bin/bash app\nUSER app\n", 0, "`", ""},
		{"chsh gives it a shell later", "FROM debian:12\nRUN useradd -m -s /bin/false app && chsh -s /bin/zsh app\nUSER app\n", 0, "`", ""},
		{"usermod takes its shell away", "FROM debian:12\nRUN useradd -m -s /bin/bash app\nRUN usermod -s /usr/sbin/nologin app\nUSER app\n", 3, "`", ""},
		{"adduser --system with a shell", "FROM debian:12\nRUN adduser --system --shell /bin/bash app\nUSER app\n", 0, "`", ""},
		{"useradd --system keeps the default shell", "FROM debian:12\nRUN useradd --system -m app\nUSER app\n", 0, "`", ""},
		{"bash", "FROM debian:12\nRUN useradd -m -s /bin/bash coder\nUSER coder\n", 0, "`", ""},
		{"another user refuses logins", "FROM debian:12\nRUN useradd -r -s /bin/false svc && useradd -m -s /bin/bash coder\nUSER coder\n", 0, "`", ""},
		{"root at the end", "FROM debian:12\nRUN useradd -s /bin/false svc\nUSER root\n", 0, "`", ""},
		{"the base's user", "FROM mcr.microsoft.com/devcontainers/base:ubuntu\nUSER vscode\n", 0, "`", ""},
		{"an unknown shell", "FROM debian:12\nARG SH\nRUN useradd -m -s $SH app\nUSER app\n", 0, "`", ""},
		{"php's www-data", "FROM php:8.3-fpm\nRUN apt-get update && apt-get install -y git\nUSER www-data\n", 3, "is `/usr/sbin/nologin`", EvidenceKnownBase},
		{"nobody on Ubuntu", "FROM ubuntu:24.04\nUSER nobody:nogroup\n", 2, "is `/usr/sbin/nologin`", EvidenceKnownBase},
		{"a base's system account given a shell", "FROM php:8.3-fpm\nRUN usermod --shell /bin/bash www-data\nUSER www-data\n", 0, "", ""},
		{"www-data on Alpine", "FROM php:8.3-fpm-alpine\nUSER www-data\n", 0, "", ""},
		{"www-data on an unknown base", "FROM registry.example/acme/php:8\nUSER www-data\n", 0, "", ""},
		{"a regular user of the base", "FROM node:22-bookworm\nUSER node\n", 0, "", ""},
		{"a system account by UID", "FROM debian:12\nUSER 33\n", 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRule(t, "CR123", tc.src, nil)
			switch {
			case tc.line == 0 && len(got) != 0:
				t.Fatalf("reported: %+v", got)
			case tc.line == 0:
				return
			case len(got) != 1:
				t.Fatalf("%d findings, want 1: %+v", len(got), got)
			}
			fd := got[0]
			ev := cmp.Or(tc.ev, EvidenceFile)
			if fd.Location.StartLine != tc.line || fd.Severity != SeverityWarning || fd.Evidence != ev ||
				!strings.Contains(fd.Message, "login shell "+tc.msg) || fd.Fix == nil {
				t.Errorf("finding: %+v", fd)
			}
		})
	}
}

// TestCR123FixOnAlpine: busybox's adduser has no usermod beside it and
// Alpine no bash: the fix names a shell the image has.
func TestCR123FixOnAlpine(t *testing.T) {
	got := checkRule(t, "CR123", "FROM node:20-alpine\nRUN addgroup -S nodejs && adduser -S nextjs -G nodejs\nUSER nextjs\n", nil)
	if len(got) != 1 || got[0].Fix == nil || !strings.Contains(got[0].Fix.Description, "adduser -S -s /bin/sh nextjs") || strings.Contains(got[0].Fix.Description, "usermod") {
		t.Fatalf("CR123 %+v, want busybox's adduser in the fix", got)
	}
	got = checkRule(t, "CR123", "FROM debian:12\nRUN useradd -m -s /usr/sbin/nologin app\nUSER app\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Fix.Description, "usermod --shell /bin/bash app") {
		t.Fatalf("CR123 %+v, want usermod on Debian", got)
	}
}

// TestCR123FixForNobody: the shared `nobody` account gets no shell in the
// fix; the workspace gets a user of its own.
func TestCR123FixForNobody(t *testing.T) {
	got := checkRule(t, "CR123", "FROM debian:12\nUSER nobody\n", nil)
	if len(got) != 1 || got[0].Fix == nil || strings.Contains(got[0].Fix.Description, "usermod") {
		t.Fatalf("CR123 %+v, want a fix that creates a user", got)
	}
}
