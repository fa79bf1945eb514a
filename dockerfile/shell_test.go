package dockerfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// runOf parses src and returns its instruction starting on line.
func runOf(t *testing.T, src string, line int) *Instruction {
	t.Helper()
	f := mustParse(t, src)
	in := f.InstructionAt(line)
	if in == nil || in.StartLine != line {
		t.Fatalf("no instruction starts on line %d", line)
	}
	return in
}

// brief renders commands as "line:col name args…" for comparison.
func brief(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		s := fmt.Sprintf("%d:%d %s", c.Line, c.Col, c.Name)
		if len(c.Args) > 0 {
			s += " " + strings.Join(c.Args, " ")
		}
		out = append(out, s)
	}
	return out
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int // the instruction's first line
		want []string
	}{
		{"simple", "FROM a\nRUN apt-get update && apt-get install -y curl\n", 2,
			[]string{"2:5 apt-get update", "2:23 apt-get install -y curl"}},
		{"flags blanked", "FROM a\nRUN --mount=type=cache,target=/var/cache/apt --network=none apt-get update\n", 2,
			[]string{"2:61 apt-get update"}},
		{"flags across continuation", "FROM a\nRUN --mount=type=cache,target=/x \\\n    --network=none \\\n    make\n", 2,
			[]string{"4:5 make"}},
		{"continuations keep lines and columns", "FROM a\nRUN apt-get update && \\\n\tapt-get install -y \\\n\t\tcurl \\\n\t\tgit\n", 2,
			[]string{"2:5 apt-get update", "3:2 apt-get install -y curl git"}},
		{"comment and blank lines in continuation", "FROM a\nRUN cargo install x && \\\n\t# Reduce image size.\n\n\trm -rf /usr/local/cargo/registry\n", 2,
			[]string{"2:5 cargo install x", "5:2 rm -rf /usr/local/cargo/registry"}},
		{"trailing blanks after backslash", "FROM a\nRUN mkdir -p /x && \\   \n  chown u /x\n", 2,
			[]string{"2:5 mkdir -p /x", "3:3 chown u /x"}},
		{"a (( that is two subshells keeps its columns", "FROM a\nRUN ((stack ghc -- --version 2>/dev/null) || true) && stack config set system-ghc --global true\n", 2,
			[]string{"2:7 stack ghc -- --version", "2:46 true", "2:55 stack config set system-ghc --global true"}},
		{"arithmetic stays arithmetic", "FROM a\nRUN i=0; ((i++)); echo $((i + 1))\n", 2,
			[]string{"2:19 echo $((i + 1))"}},
		{"wrappers", "FROM a\nRUN sudo -u coder env A=b nohup apt-get install -y curl\n", 2,
			[]string{"2:33 apt-get install -y curl"}},
		{"assignment prefix", "FROM a\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y x\n", 2,
			[]string{"2:36 apt-get install -y x"}},
		{"command -v is not a wrapper", "FROM a\nRUN command -v curl || exec xargs -n1 echo\n", 2,
			[]string{"2:5 command -v curl", "2:39 echo"}},
		{"substitutions", "FROM a\nRUN echo \"$(uname -m)\" >> /etc/arch\n", 2,
			[]string{"2:5 echo \"$(uname -m)\"", "2:13 uname -m"}},
		{"quoted words", "FROM a\nRUN echo 'a b' \"c d\" e\\ f\n", 2,
			[]string{"2:5 echo a b c d e f"}},
		{"sh -c string", "FROM a\nRUN su coder -c 'mkdir -p ~/.config && touch ~/.x'\n", 2,
			[]string{"2:5 su coder -c mkdir -p ~/.config && touch ~/.x", "2:17 mkdir -p ~/.config", "2:17 touch ~/.x"}},
		{"bash -c double-quoted", "FROM a\nRUN bash -c \"echo $HOME > /tmp/h\"\n", 2,
			[]string{"2:5 bash -c \"echo $HOME > /tmp/h\"", "2:13 echo $HOME"}},
		{"heredoc script", "FROM a\nRUN <<EOF\nset -e\napt-get install -y \\\n  curl\nEOF\n", 2,
			[]string{"3:1 set -e", "4:1 apt-get install -y curl"}},
		{"heredoc with shebang", "FROM a\nRUN <<EOF\n#!/usr/bin/env bash\n  echo hi\nEOF\n", 2,
			[]string{"4:3 echo hi"}},
		{"python heredoc has no commands", "FROM a\nRUN <<EOF\n#!/usr/bin/python3\nprint('hi')\nEOF\n", 2, nil},
		{"heredoc as input", "FROM a\nRUN cat <<EOF > /etc/motd && echo done\nhello\nEOF\n", 2,
			[]string{"2:5 cat", "2:30 echo done"}},
		{"exec form", "FROM a\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n", 2,
			[]string{"2:0 apt-get install -y curl"}},
		{"exec form sh -c", "FROM a\nRUN [\"sh\", \"-c\", \"apk add git\"]\n", 2,
			[]string{"2:0 sh -c apk add git", "2:0 apk add git"}},
		{"escape backtick", "# escape=`\nFROM a\nRUN echo a `\n  && echo b\n", 3,
			[]string{"3:5 echo a", "4:6 echo b"}},
		{"bash shell", "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN sh <(curl -L https://x/y)\n", 3,
			[]string{"3:5 sh <(curl -L https://x/y)", "3:10 curl -L https://x/y"}},
		{"powershell is skipped", "FROM a\nSHELL [\"pwsh\", \"-c\"]\nRUN if ($x) { Write-Host 'hi' \n", 3, nil},
		{"windows image runs cmd", "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN if exist C:\\x (echo y)\n", 2, nil},
		{"cmd shell form", "FROM a\nCMD sleep infinity\n", 2, []string{"2:5 sleep infinity"}},
		{"copy has none", "FROM a\nCOPY a b\n", 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := runOf(t, tt.src, tt.line)
			cmds, err := in.Commands()
			if err != nil {
				t.Fatalf("Commands: %v", err)
			}
			if got := brief(cmds); !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCommandDetails(t *testing.T) {
	in := runOf(t, "FROM a\nRUN sudo -u coder tee -a ~/.bashrc >> $HOME/.profile 2>/dev/null\n", 2)
	cmds, _ := in.Commands()
	if len(cmds) != 1 {
		t.Fatalf("%d commands", len(cmds))
	}
	c := cmds[0]
	if c.User != "coder" || !slices.Equal(c.Wrappers, []string{"sudo"}) {
		t.Errorf("User %q Wrappers %v", c.User, c.Wrappers)
	}
	if len(c.Redirects) != 2 || c.Redirects[0].Op != ">>" || c.Redirects[0].Target != "$HOME/.profile" ||
		c.Redirects[0].Span != (Span{Line: 2, Col: 39, EndLine: 2, EndCol: 53}) {
		t.Errorf("Redirects %+v", c.Redirects)
	}
	if c.Span != (Span{Line: 2, Col: 5, EndLine: 2, EndCol: 35}) {
		t.Errorf("Span %+v", c.Span)
	}
	if !slices.Equal(c.Literal, []bool{true, true}) || c.ArgSpans[1] != (Span{Line: 2, Col: 26, EndLine: 2, EndCol: 35}) {
		t.Errorf("Literal %v ArgSpans %+v", c.Literal, c.ArgSpans)
	}
	// Cached: the same slice comes back.
	again, _ := in.Commands()
	if &again[0] != &cmds[0] {
		t.Errorf("Commands not cached")
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"doubled && across continuation", "FROM a\nRUN apt-get update && \\\n    && apt-get install -y curl\n", 3, 5, "`&&` right after `&&`"},
		{"doubled || on a line", "FROM a\nRUN a || || b\n", 2, 10, "`||` right after `||`"},
		{"unclosed quote", "FROM a\nRUN echo 'hello \\\n  world\n", 2, 10, "without closing quote"},
		{"bad if in heredoc", "FROM a\nRUN <<EOF\nset -e\nif then\nEOF\n", 4, 1, "`if` must be followed"},
		{"unclosed subshell", "FROM a\nRUN (cd /x && \\\n  make\nUSER x\n", 2, 5, "reached EOF"},
		{"after comment lines", "FROM a\nRUN true && \\\n  # c\n  # d\n  && false\n", 5, 3, "`&&` right after `&&`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := runOf(t, tt.src, 2)
			_, err := in.Commands()
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v", err)
			}
			if se.Line != tt.line || se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got %d:%d %q, want %d:%d %q", se.Line, se.Col, se.Msg, tt.line, tt.col, tt.msg)
			}
			if len(in.Installs()) != 0 {
				t.Errorf("Installs of a broken RUN")
			}
			if se.Dialect {
				t.Errorf("a broken RUN marked as another shell's feature")
			}
		})
	}
	// What the parser takes for another shell's feature is marked so.
	in := runOf(t, "FROM a\nRUN declare -A X; X=( [3.7]=a )\n", 2)
	var se *SyntaxError
	if _, err := in.Commands(); !errors.As(err, &se) || !se.Dialect {
		t.Errorf("an associative array's dotted key: %v", err)
	}
}

// TestRemovals: package removals are read like installs, with the
// managers' removal verbs; an install is not a removal.
func TestRemovals(t *testing.T) {
	f := mustParse(t, "FROM debian:12\nRUN apt-get update && apt-get install -y wget && apt-get remove -y --auto-remove wget && apk del curl busybox && dnf -y erase wget2 && apt-get purge $X\n")
	var got []string
	for _, r := range f.Stages[0].Instructions[0].Removals() {
		got = append(got, fmt.Sprintf("%s:%s:%v", r.Manager, strings.Join(r.Packages, ","), r.Unknown))
	}
	want := []string{"apt:wget:false", "apk:curl,busybox:false", "dnf:wget2:false", "apt::true"}
	if !slices.Equal(got, want) {
		t.Errorf("Removals = %q, want %q", got, want)
	}
}

func TestInstalls(t *testing.T) {
	tests := []struct {
		name    string
		run     string
		manager string
		pkgs    []string
		noRec   bool
	}{
		{"apt-get", "apt-get install -y --no-install-recommends curl=7.* git ca-certificates", "apt", []string{"curl", "git", "ca-certificates"}, true},
		{"apt flags first", "apt-get -qq -y -o Dpkg::Options::=--force-confold install vim", "apt", []string{"vim"}, false},
		{"apt -o recommends", "apt-get install -o APT::Install-Recommends=false -y jq", "apt", []string{"jq"}, true},
		{"apt arch and release", "apt install -t bookworm-backports libc6:i386 foo/bookworm ./local.deb $EXTRA", "apt", []string{"libc6", "foo"}, false},
		{"apk", "apk add --no-cache --virtual .build-deps curl>=8 git=2.40-r0 busybox~1.36 bash@edge", "apk", []string{"curl", "git", "busybox", "bash"}, false},
		{"apk global flag", "apk --no-cache -X https://mirror/x add jq", "apk", []string{"jq"}, false},
		{"dnf", "dnf install -y --setopt=install_weak_deps=False --nodocs curl-minimal @development /tmp/x.rpm", "dnf", []string{"curl-minimal"}, true},
		{"dnf nodocs only", "dnf -y --nodocs install git", "dnf", []string{"git"}, false},
		{"yum setopt separate", "yum install -y --setopt install_weak_deps=0 wget", "yum", []string{"wget"}, true},
		{"microdnf", "microdnf install -y shadow-utils tar", "microdnf", []string{"shadow-utils", "tar"}, false},
		{"zypper", "zypper --non-interactive install --no-recommends -t package curl>=8", "zypper", []string{"curl"}, true},
		{"zypper in", "zypper -n in git", "zypper", []string{"git"}, false},
		{"sudo", "sudo apt-get install -y curl", "apt", []string{"curl"}, false},
		{"an upgrade that names packages", "apt-get dist-upgrade -y --no-install-recommends curl ca-certificates", "apt", []string{"curl", "ca-certificates"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := runOf(t, "FROM a\nRUN "+tt.run+"\n", 2)
			ins := in.Installs()
			if len(ins) != 1 {
				t.Fatalf("%d installs", len(ins))
			}
			i := ins[0]
			if i.Manager != tt.manager || !slices.Equal(i.Packages, tt.pkgs) || i.NoInstallRecommends != tt.noRec {
				t.Errorf("got %s %v %v, want %s %v %v", i.Manager, i.Packages, i.NoInstallRecommends, tt.manager, tt.pkgs, tt.noRec)
			}
		})
	}
	for _, run := range []string{"apt-get update", "apt-get upgrade -y", "apt-get dist-upgrade", "apk upgrade curl", "dnf upgrade -y curl", "apt-get remove curl", "apk del x", "dnf clean all", "curl install", "zypper refresh"} {
		in := runOf(t, "FROM a\nRUN "+run+"\n", 2)
		if n := len(in.Installs()); n != 0 {
			t.Errorf("%q: %d installs", run, n)
		}
	}
}

func TestAddPackages(t *testing.T) {
	tests := []struct {
		name       string
		src        string
		start, end int
		text       string
	}{
		{"same line", "FROM a\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n", 2, 2,
			"RUN apt-get update && apt-get install -y curl git jq && rm -rf /var/lib/apt/lists/*"},
		{"one per line, continued", "FROM a\nRUN apt-get update && \\\n    apt-get install -y \\\n    curl \\\n    zip \\\n    && rm -rf /x\n", 5, 5,
			"    zip \\\n    git \\\n    jq \\"},
		{"one per line, last line", "FROM a\nRUN apk add \\\n\tcurl \\\n\tzip\n", 4, 4,
			"\tzip \\\n\tgit \\\n\tjq"},
		{"keeps the gap before the backslash", "FROM a\nRUN dnf install -y \\\n      curl   \\\n      zip   \\\n   && dnf clean all\n", 4, 4,
			"      zip   \\\n      git   \\\n      jq   \\"},
		{"backtick escape", "# escape=`\nFROM a\nRUN apt-get install -y `\n  curl `\n  zip\n", 5, 5,
			"  zip `\n  git `\n  jq"},
		{"heredoc body", "FROM a\nRUN <<EOF\napt-get install -y \\\n  curl\nEOF\n", 4, 4,
			"  curl \\\n  git \\\n  jq"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, tt.src)
			var in *Instruction
			for _, i := range f.All() {
				if i.Cmd == "run" {
					in = i
				}
			}
			ins := in.Installs()
			if len(ins) != 1 {
				t.Fatalf("%d installs", len(ins))
			}
			e, ok := in.AddPackages(ins[0], "git", "jq")
			if !ok || e.StartLine != tt.start || e.EndLine != tt.end || e.Text != tt.text {
				t.Errorf("got %v %d-%d\n%s\nwant %d-%d\n%s", ok, e.StartLine, e.EndLine, e.Text, tt.start, tt.end, tt.text)
			}
		})
	}
	in := runOf(t, "FROM a\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n", 2)
	if _, ok := in.AddPackages(in.Installs()[0], "git"); ok {
		t.Errorf("AddPackages on exec form")
	}
}

// TestAddPackagesAlreadyThere: a package the install names (pinned or not)
// is not added again, nor one named twice; with nothing left there is no
// edit.
func TestAddPackagesAlreadyThere(t *testing.T) {
	in := runOf(t, "FROM a\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10 git\n", 2)
	inst := in.Installs()[0]
	e, ok := in.AddPackages(inst, "ca-certificates", "curl", "jq", "ca-certificates", "git")
	if want := "RUN apt-get install -y --no-install-recommends curl=7.88.1-10 git ca-certificates jq"; !ok || e.Text != want {
		t.Errorf("got %v %q, want %q", ok, e.Text, want)
	}
	if e, ok := in.AddPackages(inst, "git", "curl"); ok {
		t.Errorf("every package already there: got an edit %q", e.Text)
	}
	if got := MissingPackages(inst, "git", "zip", "zip"); !slices.Equal(got, []string{"zip"}) {
		t.Errorf("MissingPackages = %q, want [zip]", got)
	}
}

func TestConditional(t *testing.T) {
	tests := []struct {
		name string
		run  string
		// cond lists, per command in order, whether it is conditional.
		cond []bool
	}{
		{"plain chain", "apt-get update && apt-get install -y curl", []bool{false, false}},
		{"if on the OS", ". /etc/os-release && if [ \"$ID\" = alpine ]; then apk add bash; fi", []bool{false, false, true}},
		{"elif and else", "if [ -x /sbin/apk ]; then apk add git; elif command -v dnf; then dnf install -y git; else apt-get install -y git; fi",
			[]bool{false, true, true, true, true}},
		{"test before &&", "command -v apk && apk add --no-cache bash", []bool{false, true}},
		{"test chain", "[ -f /etc/alpine-release ] && apk update && apk add git", []bool{false, true, true}},
		{"fallback after ||", "apt-get install -y git || yum install -y git", []bool{false, true}},
		{"case on a variable", "case \"$ID\" in alpine) apk add git ;; *) apt-get install -y git ;; esac", []bool{true, true}},
		{"variable test", "if [ \"${INSTALL_ZSH}\" = \"true\" ]; then apt-get install -y zsh; fi", []bool{false, true}},
		{"negated", "! type git && apt-get install -y git", []bool{false, true}},
		{"[[ test", "[[ $ID == alpine ]] && apk add git", []bool{true}},
		{"function body", "f() { apk add git; }; f", []bool{true, false}},
		{"nested sh -c inherits", "if [ -n \"$X\" ]; then sh -c 'apk add git'; fi", []bool{false, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPerCommand(t, tt.run, tt.cond, func(c Command) bool { return c.Conditional })
		})
	}
}

// checkPerCommand parses a RUN of run and checks, command by command in
// order, that flag gives want.
func checkPerCommand(t *testing.T, run string, want []bool, flag func(Command) bool) {
	t.Helper()
	in := runOf(t, "FROM a\nRUN "+run+"\n", 2)
	cmds, err := in.Commands()
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, c := range cmds {
		got = append(got, flag(c))
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v want %v (%q)", got, want, brief(cmds))
	}
}

func TestFailureIgnored(t *testing.T) {
	tests := []struct {
		name string
		run  string
		// ignored lists, per command in order, whether its failure is ignored.
		ignored []bool
	}{
		{"or true", "strip /usr/lib/x86_64-linux-gnu/libQt5Core.so || true", []bool{true, false}},
		{"redirected, or colon", "strip x 2>/dev/null || :", []bool{true, false}},
		{"last of a chain", "apt-get update && strip x || true", []bool{false, true, false}},
		{"last of a pipe", "curl -fsSL x | tar -xz || true", []bool{false, true, false}},
		{"or a message", "strip --remove-section=.note.ABI-tag /usr/lib/x86_64-linux-gnu/libQt5Core.so.5 || echo \"Skipping strip\"", []bool{true, false}},
		{"or exit", "strip x || exit 1", []bool{false, false}},
		{"or a fallback", "apt-get install -y git || yum install -y git", []bool{false, false}},
		{"plain", "strip x", []bool{false}},
		{"nested not read", "sh -c 'strip x || true'", []bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPerCommand(t, tt.run, tt.ignored, func(c Command) bool { return c.FailureIgnored })
		})
	}
}

func TestScript(t *testing.T) {
	tests := []struct{ run, script string }{
		{"bash /tmp/library-scripts/common-debian.sh \"${INSTALL_ZSH}\" vscode", "/tmp/library-scripts/common-debian.sh"},
		{"sh -e ./setup.sh", "./setup.sh"},
		{"/tmp/scripts/install.sh", "/tmp/scripts/install.sh"},
		{"./configure", "./configure"},
		{". /tmp/x/helpers.sh", "/tmp/x/helpers.sh"},
		{"curl -fsSL https://x/install | bash -s -- -y", "-"},
		{"curl -fsSL https://x/install | sudo -E bash -", "-"},
		{"wget -qO- https://x | sh", "-"},
		{"bash -c \"$(curl -fsSL https://x/install.sh)\"", "\"$(curl -fsSL https://x/install.sh)\""},
		{"bash -c 'apt-get install -y git'", ""},
		{". /etc/os-release", ""},
		{"bash --version", ""},
		{"apt-get install -y git", ""},
		{"$INST_SCRIPTS/tools.sh", "$INST_SCRIPTS/tools.sh"},
		{"${TOOLS}/setup --all", "${TOOLS}/setup"},
		{"$(which pip) install x", ""},
		{"$PKG_MANAGER install -y git", ""},
	}
	for _, tt := range tests {
		in := runOf(t, "FROM a\nRUN "+tt.run+"\n", 2)
		cmds, err := in.Commands()
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, c := range cmds {
			if c.Script != "" {
				got = c.Script
				break
			}
		}
		if got != tt.script {
			t.Errorf("%q: Script %q, want %q", tt.run, got, tt.script)
		}
	}
}

func TestCommandUser(t *testing.T) {
	tests := []struct{ run, user string }{
		{"sudo -u vscode touch ~/.x", "vscode"},
		{"sudo -Hu vscode touch ~/.x", "vscode"},
		{"sudo -iu vscode touch ~/.x", "vscode"},
		{"sudo --user=vscode touch ~/.x", "vscode"},
		{"sudo -u vscode bash -c 'touch ~/.x'", "vscode"},
		{"su vscode -c 'touch ~/.x'", "vscode"},
		{"su -c 'touch ~/.x' vscode", "vscode"},
		{"su - vscode -c 'touch ~/.x'", "vscode"},
		{"su --login vscode --command='touch ~/.x'", "vscode"},
		{"su -s /bin/bash vscode -c 'touch ~/.x'", "vscode"},
		{"su -c 'touch ~/.x'", "root"},
		{"runuser -u vscode -- touch ~/.x", "vscode"},
		{"runuser -l vscode -c 'touch ~/.x'", "vscode"},
		{"gosu vscode touch ~/.x", "vscode"},
		{"sudo -u \"$USERNAME\" touch ~/.x", "$USERNAME"},
		{"su \"${USERNAME}\" -c 'touch ~/.x'", "${USERNAME}"},
		{"sudo touch ~/.x", ""},
		{"touch ~/.x", ""},
	}
	for _, tt := range tests {
		in := runOf(t, "FROM a\nRUN "+tt.run+"\n", 2)
		cmds, err := in.Commands()
		if err != nil {
			t.Fatal(err)
		}
		got, found := "", false
		for _, c := range cmds {
			if c.Name == "touch" {
				got, found = c.User, true
			}
		}
		if !found || got != tt.user {
			t.Errorf("%q: User %q (found %v), want %q", tt.run, got, found, tt.user)
		}
	}
}

func TestInstallUnknown(t *testing.T) {
	for run, want := range map[string]bool{
		"apt-get install -y git curl":             false,
		"apt-get install -y $PACKAGES":            true,
		"apt-get install -y \"${EXTRA}\" git":     true,
		"apt-get install -y ./google-chrome.deb":  true,
		"dnf install -y @development-tools":       true,
		"apk add --no-cache --virtual .deps curl": false,
	} {
		ins := runOf(t, "FROM a\nRUN "+run+"\n", 2).Installs()
		if len(ins) != 1 || ins[0].Unknown != want {
			t.Errorf("%q: Unknown %v, want %v", run, len(ins) == 1 && ins[0].Unknown, want)
		}
	}
}

func TestAssignments(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col NAME=value literal cond"
	}{
		{"bare and export", "FROM a\nRUN V=1.2; export TARBALL=\"go${V}.linux-amd64.tar.gz\" && curl -O \"https://x/${TARBALL}\"\n",
			[]string{"2:7 V=1.2 true false", "2:27 TARBALL=\"go${V}.linux-amd64.tar.gz\" false false"}},
		{"prefix assignment is the command's own", "FROM a\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y x\n", nil},
		{"declare, local and readonly", "FROM a\nRUN declare A=x; readonly B=y; f() { local C=z; }\n",
			[]string{"2:15 A=x true false", "2:29 B=y true false", "2:46 C=z true true"}},
		{"under a condition", "FROM a\nRUN if [ -n \"$X\" ]; then ARCH=arm64; fi\n",
			[]string{"2:31 ARCH=arm64 true true"}},
		{"naked, append and arrays are not values", "FROM a\nRUN export PATH; P+=x; A=(1 2)\n", nil},
		{"exec form has none", "FROM a\nRUN [\"sh\", \"-c\", \"A=1\"]\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := runOf(t, tt.src, 2)
			var got []string
			for _, a := range in.Assignments() {
				got = append(got, fmt.Sprintf("%d:%d %s=%s %v %v", a.Span.Line, a.Span.Col, a.Name, a.Value, a.Literal, a.Conditional))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
