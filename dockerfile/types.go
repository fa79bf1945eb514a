// Package dockerfile parses Dockerfiles with BuildKit's parser and keeps every
// position: stages, instructions with their line ranges, the shell commands
// of RUN instructions (parsed with mvdan.cc/sh), and helpers that write the
// text edits fixes are made of.
package dockerfile

import (
	"fmt"
	"sync"
)

// File is a parsed Dockerfile.
type File struct {
	// Path is the file's path as given to Parse (slash-separated, relative to
	// the scanned root).
	Path string
	// Lines are the source lines without their line endings (a trailing
	// "\r" is removed too); Lines[0] is line 1.
	Lines []string
	// Escape is the escape character (`\` unless a `# escape=` directive says
	// otherwise). It is also the line-continuation character.
	Escape rune
	// Meta are the instructions before the first FROM (ARGs only; BuildKit
	// rejects anything else there).
	Meta []*Instruction
	// MetaArgs are the names the Meta ARG instructions declare, in order.
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

// KeyValue is one pair of an ENV or LABEL instruction. Value has its quotes
// and escapes removed; variable references are kept as written
// ("$PATH:/opt/bin").
type KeyValue struct {
	Key, Value string
}

// Stage is a FROM and the instructions that follow it.
type Stage struct {
	// Index is the stage's position, 0 for the first FROM.
	Index int
	// Name is the `AS` name, lower-cased as BuildKit does ("" if none).
	Name string
	// From is the FROM instruction itself.
	From *Instruction
	// BaseRaw is the base as written, e.g. "${BASE}:${TAG}".
	BaseRaw string
	// Base is BaseRaw with the meta ARGs' defaults substituted. A reference
	// to an ARG that has no value is left as written (it still contains
	// `$`); see ResolveBase to substitute build arguments.
	Base string
	// BaseStage is the earlier stage Base names, or nil for an image.
	BaseStage *Stage
	// PlatformRaw is the `--platform=` flag's value as written ("" if none).
	PlatformRaw string
	// Platform is PlatformRaw after substitution; BuildKit's automatic
	// platform ARGs (BUILDPLATFORM, TARGETPLATFORM, ...) stay unexpanded.
	Platform string
	// MissingArgs are the ARGs used in the FROM line that have neither a
	// default nor a value (automatic platform ARGs are never missing).
	MissingArgs []string
	// Instructions after the FROM, in order.
	Instructions []*Instruction
}

// Heredoc is a here-document attached to an instruction (`RUN <<EOF`).
type Heredoc struct {
	// Name is the delimiter word, without quotes.
	Name string
	// Content is the body as written, each line with its newline; leading
	// tabs are kept even for `<<-`.
	Content string
	// StartLine is the line of the heredoc's first content line; the
	// delimiter line follows the content.
	StartLine int
	// Expand is false when the delimiter was quoted (no substitution).
	Expand bool
	// Chomp is set for `<<-`: leading tabs are removed from the content.
	Chomp bool
}

// Instruction is one Dockerfile instruction with its exact position.
type Instruction struct {
	// Cmd is the lower-case instruction keyword: "run", "from", "user", ...
	Cmd string
	// StartLine and EndLine are the 1-based first and last lines, including
	// continuation lines and heredoc bodies.
	StartLine, EndLine int
	// HeaderEndLine is the last line of the instruction itself, before any
	// heredoc body (EndLine when there is none).
	HeaderEndLine int
	// Original is the instruction as BuildKit joined it (continuations removed).
	Original string
	// Args are the instruction's arguments as BuildKit split them (for a
	// shell-form RUN/CMD/ENTRYPOINT, one element: the command line; for
	// ENV and LABEL see Env).
	Args []string
	// Flags are the `--name=value` flags (e.g. "--platform=linux/amd64").
	Flags []string
	// JSON is true for the exec (JSON array) form.
	JSON     bool
	Heredocs []Heredoc
	// Env holds the pairs of an ENV or LABEL instruction.
	Env []KeyValue
	// Declares holds the names an ARG instruction declares.
	Declares []*Arg
	// Ignore holds rule IDs (upper-case) from `# coderready:ignore=CR101,CR105`
	// comments directly above the instruction.
	Ignore []string
	// Shell is the shell a shell-form RUN/CMD/ENTRYPOINT runs in: the
	// stage's last SHELL (following earlier stages it builds on), else
	// `cmd /S /C` on a Windows base image, else DefaultShell.
	Shell []string
	// Stage is the stage the instruction belongs to (nil for meta ARGs).
	Stage *Stage

	file     *File
	cmdsOnce sync.Once
	cmds     []Command
	assigns  []Assignment
	cmdsErr  error
	instOnce sync.Once
	installs []Install
}

// DefaultShell is the shell BuildKit runs shell-form instructions in on Linux.
var DefaultShell = []string{"/bin/sh", "-c"}

// Span is a range of Dockerfile text. Lines and columns are 1-based and
// count bytes; EndCol is one past the last byte. A zero column means the
// position within the line is not known (e.g. for commands of an exec-form
// RUN or of a string passed to `sh -c`).
type Span struct {
	Line, Col       int
	EndLine, EndCol int
}

// Redirect is an output redirection of a command (`> file`, `>> file`,
// `&> file`).
type Redirect struct {
	// Op is the operator as written: ">", ">>", ">|", "&>", "&>>".
	Op string
	// Target is the file word: its literal value, or its source text when it
	// is not plain text (e.g. "$HOME/.bashrc").
	Target string
	Span   Span
}

// Assignment is a shell variable a RUN's script sets for the commands
// after it: `NAME=value` on its own, or `export NAME=value` (also
// declare, local, readonly, typeset). A `NAME=value cmd` prefix sets the
// variable for cmd's environment only and is not one.
type Assignment struct {
	Name string
	// Value is the value as plain text when Literal, else in its source
	// form (e.g. `"go${V}.linux-amd64.tar.gz"`).
	Value   string
	Literal bool
	// Span is the value's position; Conditional is as for Command.
	Span        Span
	Conditional bool
}

// Command is one simple command of a RUN instruction's shell script, with
// wrappers such as `sudo`, `env VAR=x` and `command` stripped.
type Command struct {
	// Name is the program as written, e.g. "apt-get" or "/usr/bin/curl".
	Name string
	// Args are the words after Name; a word that is not plain text keeps its
	// source form (e.g. "${PKGS}").
	Args []string
	// Literal reports, for each of Args, whether the word is plain text
	// (quotes and escapes removed) rather than its source form.
	Literal []bool
	// ArgSpans are the Dockerfile positions of Args.
	ArgSpans []Span
	// Line and Col are the Dockerfile position of the command's first word
	// (Col is 0 when unknown).
	Line, Col int
	// Span covers the whole command, wrappers included.
	Span Span
	// Wrappers are the stripped wrapper programs in order, e.g. ["sudo", "env"].
	Wrappers []string
	// User is the user a wrapper runs the command as (`sudo -u NAME`,
	// `su NAME -c`, `runuser -u NAME`, `gosu NAME`), "" when none.
	User string
	// Redirects are the command's output redirections.
	Redirects []Redirect
	// Nested is set for commands found inside a string run by another
	// program (`sh -c '...'`, `su -c '...'`) or in an exec-form RUN: their
	// positions are those of the enclosing word or instruction.
	Nested bool
	// Conditional is set for a command that runs only when a condition the
	// build decides holds: in the body of an `if`/`elif`/`else`, a `case`
	// branch, a `while`/`until` loop or a function; after `||`; or after
	// `&&` behind a test (`[`, `[[`, `test`, `command -v`, `which`, `type`,
	// `hash`, `grep`, `getent`, `id`), e.g. `apk add` under
	// `if [ "$ID" = alpine ]` or `command -v apk && apk add`.
	Conditional bool
	// FailureIgnored is set for a command the script runs with `|| true`,
	// `|| :` or a fallback that only prints after it (`strip … 2>/dev/null
	// || true`, `|| echo "Skipping"`): the build goes on whether it fails
	// or not. Only a RUN's own commands are read so.
	FailureIgnored bool
	// Script is the script the command runs whose commands the Dockerfile
	// does not show: a file given to a shell (`bash /tmp/setup.sh`, also
	// `. x.sh`, `./x.sh`), "-" for a shell reading its standard input
	// (`curl … | sh`), or the substitution a shell runs (`bash -c
	// "$(curl …)"`); "" when none.
	Script string
}

// Install is a package installation found in a RUN instruction.
type Install struct {
	// Manager is "apt", "apk", "dnf", "yum", "microdnf" or "zypper"
	// ("apt" covers apt-get and apt).
	Manager string
	// Packages are the literal package names (version pins stripped).
	Packages []string
	// NoInstallRecommends is set for `--no-install-recommends` (apt), dnf,
	// yum or microdnf `--setopt=install_weak_deps=False` (or 0), and zypper
	// `--no-recommends`: the options that skip weak dependencies such as
	// ca-certificates.
	NoInstallRecommends bool
	// Unknown is set when the command installs more than Packages lists,
	// and what is not known: a package word that is not plain text
	// (`$PACKAGES`), a local package file (`./x.deb`) or a group (`@dev`).
	Unknown bool
	// Command is the install command itself.
	Command Command
	// last is the index in Command.Args of the last package word, -1 if none.
	last int
}

// SyntaxError is a parse error at a Dockerfile position.
type SyntaxError struct {
	Path string
	// Line is 1-based; Col is 1-based and 0 when only the line is known.
	Line, Col int
	Msg       string
	// Dialect is set for a RUN body the shell parser reads as another
	// shell's feature (`floating point arithmetic is a zsh feature`):
	// Bash accepts some of these where the parser cannot tell the
	// context (an associative array's key, `[3.7]=…`), so the body is
	// not known to be broken, only not read.
	Dialect bool
}

// Error formats the error as path:line:col: message (path:line: message
// when the column is not known).
func (e *SyntaxError) Error() string {
	if e.Col == 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
}
