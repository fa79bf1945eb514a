package checks

import "testing"

// TestWindowsDockerfile: a Windows container's Dockerfile is known by its
// base, its SHELL or its name; Linux files that only mention Windows, or
// use PowerShell Core, are not.
func TestWindowsDockerfile(t *testing.T) {
	for _, tc := range []struct {
		name, path, src string
		line            int // 0: not Windows
	}{
		{"servercore", "Dockerfile", "ARG V=1809\nFROM mcr.microsoft.com/windows/servercore:$V\nRUN echo\n", 2},
		{"nanoserver tag of a multi-platform image", "Dockerfile", "FROM mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022\n", 1},
		{"an image named for Windows", "Dockerfile", "ARG WINDOWS_VERSION=ltsc2022\nFROM ghcr.io/dapr/windows-base:$WINDOWS_VERSION\n", 2},
		{"an ltsc tag", "Dockerfile", "FROM python:3.12-ltsc2022\n", 1},
		{"cmd shell", "Dockerfile", "FROM base\nSHELL [\"cmd\", \"/S\", \"/C\"]\n", 2},
		{"Windows PowerShell", "Dockerfile", "FROM base\nSHELL [\"powershell.exe\", \"-Command\"]\n", 2},
		{"named for Windows", "tests/apps/actordotnet/Dockerfile-windows", "FROM mcr.microsoft.com/dotnet/aspnet:6.0\n", 1},
		{"in a windows folder", "golang/1.23/windows/x/Dockerfile", "FROM golang-base\n", 1},
		{"PowerShell Core on Linux", "Dockerfile", "FROM mcr.microsoft.com/powershell:7.4-ubuntu-22.04\nSHELL [\"pwsh\", \"-Command\"]\n", 0},
		{"a Linux image that mentions Windows", "Dockerfile", "FROM debian:12\n# builds the windows installer too\nRUN apt-get install -y mingw-w64 wine\n", 0},
		{"named for Windows, built on Linux", "Dockerfile.windows", "ARG img_version\nFROM godot-fedora:${img_version}\nRUN dnf -y install mingw64-gcc\n", 0},
		{"a Linux image that runs Windows in a VM, beside a scratch stage", "Dockerfile",
			"ARG VERSION_ARG=latest\nFROM scratch AS build-amd64\nCOPY --from=qemux/qemu / /\nFROM dockurr/windows-arm:${VERSION_ARG} AS build-arm64\nFROM build-${TARGETARCH}\n", 0},
		{"servercore beside a Linux stage still counts", "Dockerfile", "FROM debian:12 AS tools\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n", 2},
		{"a Windows tag beside a Linux stage still counts", "Dockerfile", "FROM alpine:3.20 AS a\nFROM golang:1.23-windowsservercore-ltsc2022\n", 2},
		{"a word that only contains it", "Dockerfile.windowsx", "FROM debian:12\n", 0},
		{"a final stage on an ARG's Windows default after a Linux builder", "examples/msal-go/windows.Dockerfile",
			"ARG BASEIMAGE=mcr.microsoft.com/windows/nanoserver:${OS_VERSION:-1809}\nFROM --platform=linux/amd64 golang:1.26-bookworm AS builder\nRUN GOOS=windows go build -o app.exe .\n" +
				"FROM --platform=${TARGETPLATFORM:-windows/amd64} ${BASEIMAGE}\nCOPY --from=builder /app.exe .\n", 4},
		{"a final stage built for Windows", "Dockerfile", "FROM golang:1.26-bookworm AS b\nFROM --platform=windows/amd64 base\n", 2},
		{"a Linux final stage after a Windows one", "Dockerfile", "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS w\nFROM debian:12\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := WindowsDockerfile(tc.path, []byte(tc.src))
			switch {
			case tc.line == 0 && w != nil:
				t.Fatalf("recognised as Windows by %s", w.Sign)
			case tc.line != 0 && w == nil:
				t.Fatal("not recognised as Windows")
			case w != nil && w.Location.StartLine != tc.line:
				t.Fatalf("line %d (%s), want %d", w.Location.StartLine, w.Sign, tc.line)
			}
			if w != nil {
				if n := w.Note(false); n.RuleID != RuleWindowsImage || n.Severity != SeverityInfo {
					t.Fatalf("note %+v", n)
				}
			}
		})
	}
}
