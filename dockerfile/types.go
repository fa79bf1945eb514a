// Package dockerfile parses Dockerfiles with BuildKit's parser and keeps every
// position: stages, instructions with their line ranges, the shell commands
// of RUN instructions (parsed with mvdan.cc/sh), and helpers that write the
// text edits fixes are made of.
package dockerfile

import "fmt"

// File is a parsed Dockerfile.
type File struct {
	// Path is the file's path as given to Parse (slash-separated, relative to
	// the scanned root).
	Path string
	// Lines are the source lines without their line endings; Lines[0] is line 1.
	Lines []string
	// Escape is the escape character (`\` unless a `# escape=` directive says
	// otherwise).
	Escape rune
	// MetaArgs are the ARG instructions before the first FROM.
	MetaArgs []*Arg
	// Stages in order; the last one is the final stage unless a build target
	// picks another.
	Stages []*Stage
}

// Arg is one name declared by an ARG instruction.
type Arg struct {
	Name string
	// Default is nil when the ARG has no default (`ARG NAME`).
	Default *string
	// Line is the ARG instruction's first line.
	Line int
}

// Stage is a FROM and the instructions that follow it.
type Stage struct {
	Index int
	// Name is the `AS` name, lower-cased as BuildKit does ("" if none).
	Name string
	// From is the FROM instruction itself.
	From *Instruction
	// BaseRaw is the base as written, e.g. "${BASE}:${TAG}".
	BaseRaw string
	// Base is BaseRaw with the meta ARGs' defaults (and any build args given
	// to Parse's caller through ResolveBase) substituted.
	Base string
	// BaseStage is the earlier stage Base names, or nil for an image.
	BaseStage *Stage
	// Platform is the value of `--platform=` after substitution ("" if none).
	Platform string
	// Instructions after the FROM, in order.
	Instructions []*Instruction
}

// Heredoc is a here-document attached to an instruction (`RUN <<EOF`).
type Heredoc struct {
	Name    string
	Content string
	// StartLine is the line of the heredoc's first content line.
	StartLine int
	// Expand is false when the delimiter was quoted (no substitution).
	Expand bool
}

// Instruction is one Dockerfile instruction with its exact position.
type Instruction struct {
	// Cmd is the lower-case instruction keyword: "run", "from", "user", ...
	Cmd string
	// StartLine and EndLine are the 1-based first and last lines, including
	// continuation lines and heredoc bodies.
	StartLine, EndLine int
	// Original is the instruction as BuildKit joined it (continuations removed).
	Original string
	// Args are the instruction's arguments as BuildKit split them (for a
	// shell-form RUN/CMD/ENTRYPOINT, one element: the command line).
	Args []string
	// Flags are the `--name=value` flags (e.g. "--platform=linux/amd64").
	Flags []string
	// JSON is true for the exec (JSON array) form.
	JSON     bool
	Heredocs []Heredoc
	// Ignore holds rule IDs from `# coderready:ignore=CR101,CR105` comments
	// directly above the instruction.
	Ignore []string
	// Stage is the stage the instruction belongs to (nil for meta ARGs).
	Stage *Stage
}

// Command is one simple command of a RUN instruction's shell script, with
// wrappers such as `sudo`, `env VAR=x` and `command` stripped.
type Command struct {
	// Name is the program as written, e.g. "apt-get" or "/usr/bin/curl".
	Name string
	// Args are the words after Name; a word that is not plain text keeps its
	// source form (e.g. "${PKGS}").
	Args []string
	// Line and Col are the Dockerfile position of the command's first word.
	Line, Col int
}

// Install is a package installation found in a RUN instruction.
type Install struct {
	// Manager is "apt", "apk", "dnf", "yum", "microdnf" or "zypper".
	Manager string
	// Packages are the literal package names (version pins stripped).
	Packages []string
	// NoInstallRecommends is set for `--no-install-recommends` (apt) or the
	// manager's equivalent that skips weak dependencies.
	NoInstallRecommends bool
	// Command is the install command itself.
	Command Command
}

// SyntaxError is a parse error at a Dockerfile position.
type SyntaxError struct {
	Path      string
	Line, Col int
	Msg       string
}

// Error formats the error as path:line:col: message.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
}
