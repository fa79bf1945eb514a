package checks

import (
	"errors"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/rootfs"
	"mvdan.cc/sh/v3/syntax"
)

// maxEntrypointScript bounds what is read of an entrypoint script from the
// build context.
const maxEntrypointScript = 1 << 20

var (
	// startsAgentRe finds a script that starts Coder's agent itself: it
	// runs the init script a template hands it, or the agent.
	startsAgentRe = regexp.MustCompile(`CODER_INIT_SCRIPT|CODER_AGENT_(URL|TOKEN)\b|\binit_script\b|\bcoder\s+agent\b`)
	// dropsUserRe finds where a script switches to another user to run
	// what follows: `su [opts] USER`, `gosu USER`, `su-exec USER`,
	// `runuser -u USER`, `setpriv --reuid USER`, `sudo -u USER`.
	dropsUserRe = regexp.MustCompile(`(?m)(?:^|[;&|]\s*|\bexec\s+)(?:su(?:\s+-[-\w]*(?:\s+/\S+)?)*\s+([A-Za-z_][\w.-]*)|gosu\s+([A-Za-z_][\w.-]*)|su-exec\s+([A-Za-z_][\w.-]*)|runuser\s+-u\s+([A-Za-z_][\w.-]*)|setpriv\s+(?:--\S+\s+)*--reuid[= ]([A-Za-z_][\w.-]*)|sudo\s+(?:-\S+\s+)*-u\s+([A-Za-z_][\w.-]*))`)
)

// agentEntrypoint is what the final stage's ENTRYPOINT script, read from
// the build context, does about Coder's agent.
type agentEntrypoint struct {
	// Script is the script's path in the build context.
	Script string
	// StartsAgent: it runs the agent's init script (the image is made for
	// a template that keeps the entrypoint and hands it the script).
	StartsAgent bool
	// User is the non-root user it switches to before that ("" when it
	// does not).
	User string
	// PassThrough: it sets nothing up, only prints (a deprecation notice)
	// and runs its arguments (`exec "$@"`): nothing is lost when a
	// template replaces it.
	PassThrough bool
}

// entrypointScript reads the script the final stage's ENTRYPOINT runs
// when a COPY or ADD of the final stage puts it there from the build
// context (in.Context); ok is false when there is none or it cannot be
// read.
func (v *dfView) entrypointScript() (agentEntrypoint, bool) {
	if v.in.Context == nil {
		return agentEntrypoint{}, false
	}
	entry, _ := v.finalCommand()
	if entry == nil || len(entry.Args) == 0 {
		return agentEntrypoint{}, false
	}
	prog := entrypointProgram(entry)
	// A script a shell is given (`["/bin/sh", "docker-entrypoint.sh"]`)
	// is a path from the WORKDIR, not a name on PATH; a command it is
	// given with -c (`["bash", "-c", "entrypoint"]`) is looked up on PATH.
	if w := commandWords(entry); len(w) > 1 && slices.Contains(shells, path.Base(w[0])) && !slices.Contains(w[1:], "-c") &&
		!strings.HasPrefix(prog, "/") && !strings.HasPrefix(prog, "./") {
		prog = "./" + prog
	}
	b, rel, ok := v.contextFile(v.absProgram(prog))
	if !ok {
		return agentEntrypoint{}, false
	}
	text := string(b)
	ep := agentEntrypoint{Script: rel, StartsAgent: startsAgentRe.MatchString(text), PassThrough: passThrough(text)}
	for _, m := range dropsUserRe.FindAllStringSubmatch(text, -1) {
		for _, u := range m[1:] {
			if u != "" && !isRootUser(u) {
				ep.User = u
			}
		}
	}
	return ep, true
}

// absProgram is the absolute path of a program an ENTRYPOINT or CMD
// names: a relative path (`./entrypoint.sh`) in the final stage's
// WORKDIR, a bare name on the default PATH (onPath).
func (v *dfView) absProgram(prog string) string {
	if prog != "" && !strings.HasPrefix(prog, "/") && strings.Contains(prog, "/") {
		prog = path.Clean(prog)
		// With no WORKDIR known, a COPY to `.` and the command's `./x`
		// are in the same unknown folder: both are read from `/`, as
		// copyDest does.
		wd := v.workdirAt(v.final, nil)
		if wd == "" {
			wd = "/"
		}
		return path.Join(wd, prog)
	}
	return onPath(prog, v.contextFile)
}

// pathDirs are the folders of a shell's default PATH, where a program
// named without a folder (`ENTRYPOINT ["docker-entrypoint.sh"]`) is found.
var pathDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// onPath returns prog itself when it names a folder, else the first
// folder of the default PATH where find finds a file of that name, else
// prog.
func onPath(prog string, find func(string) ([]byte, string, bool)) string {
	if prog == "" || strings.Contains(prog, "/") {
		return prog
	}
	for _, d := range pathDirs {
		if _, _, ok := find(d + "/" + prog); ok {
			return d + "/" + prog
		}
	}
	return prog
}

// contextFile reads the file of the build context that the final stage
// copies to the absolute path prog (`COPY entrypoint.sh /usr/local/bin/`),
// with its context-relative path. A file a RUN then moves or copies there
// (`COPY init.sh /u01/` and `RUN mv /u01/init.sh /u01/oracle/init.sh`) is
// followed one step back.
func (v *dfView) contextFile(prog string) ([]byte, string, bool) {
	// A script the Dockerfile writes with a heredoc (`COPY <<EOF
	// /docker-entrypoint.sh`): its text is the file's.
	if b, ok := v.heredocFile(prog); ok {
		return b, v.path(), true
	}
	if b, rel, ok := v.copiedFile(prog); ok {
		return b, rel, true
	}
	if from := v.movedTo(prog); from != "" {
		return v.copiedFile(from)
	}
	return nil, "", false
}

// heredocFile is the text the last COPY of the final stage's chain that
// writes prog from a heredoc gives it, false when none does (or a later
// COPY of a file puts another there).
func (v *dfView) heredocFile(prog string) ([]byte, bool) {
	if !strings.HasPrefix(prog, "/") {
		return nil, false
	}
	var text []byte
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd != "copy" || len(ins.Args) < 2 || v.copyDest(v.final, ins) != prog {
			continue
		}
		text = nil
		if len(ins.Heredocs) == 1 && len(ins.Args) == 2 && strings.HasPrefix(ins.Args[0], "<<") {
			text = []byte(ins.Heredocs[0].Content)
		}
	}
	return text, text != nil
}

// movedTo returns the path a RUN of the final stage's chain moves or
// copies to prog (`mv /u01/init.sh /u01/oracle/init.sh`), "" when none.
func (v *dfView) movedTo(prog string) string {
	from := ""
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd != "run" {
			continue
		}
		cmds, _ := ins.Commands()
		for _, c := range cmds {
			if n := path.Base(c.Name); n != "mv" && n != "cp" || len(c.Args) < 2 {
				continue
			}
			var ops []string
			for _, a := range c.Args {
				if !strings.HasPrefix(a, "-") {
					ops = append(ops, a)
				}
			}
			if len(ops) != 2 || !strings.HasPrefix(ops[0], "/") {
				continue
			}
			dest := ops[1]
			if dest == prog || strings.HasSuffix(dest, "/") && path.Join(dest, path.Base(ops[0])) == prog {
				from = ops[0]
			}
		}
	}
	return from
}

// builtByStage reports whether the final stage's chain copies prog from
// another stage of this Dockerfile (`COPY --from=builder
// /workspace/mr-storage-initializer .`) that did not copy it in from the
// build context: a program that stage made (also in a folder it copied
// the context into, where the context has no such file).
func (v *dfView) builtByStage(prog string) bool {
	if !strings.HasPrefix(prog, "/") {
		return false
	}
	for _, ins := range v.instructions(v.final) {
		name, ok := ins.Flag("from")
		if ins.Cmd != "copy" || !ok || v.f.Stage(name) == nil || len(ins.Args) != 2 || v.inContext(v.stageContextSources(ins)) {
			continue
		}
		src := strings.Trim(ins.Args[0], `"'`)
		dest := v.copyDest(v.final, ins)
		if dest == prog || strings.HasSuffix(dest, "/") && path.Join(dest, path.Base(src)) == prog {
			return true
		}
	}
	return false
}

// inContext reports whether the build context has any of the paths: a
// file the stage copied in rather than made (the stage copies the
// whole context, `COPY . /workspace`, and builds the program there).
func (v *dfView) inContext(paths []string) bool {
	for _, p := range paths {
		if _, err := fs.Stat(v.in.Context, path.Clean(strings.TrimPrefix(p, "/"))); err == nil {
			return true
		}
	}
	return false
}

// contextSources are the sources a COPY or ADD takes from the build
// context, as the stage's variables expand them: not another stage's or
// image's (`--from`), not a pattern, not a URL.
func (v *dfView) contextSources(ins *dockerfile.Instruction) []string {
	if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 || copiesFromElsewhere(ins) {
		return nil
	}
	var out []string
	for _, a := range ins.Args[:len(ins.Args)-1] {
		from := expandKnown(strings.Trim(a, `"'`), v.stageVars(ins.Stage, ins))
		if !strings.ContainsAny(from, "*?[$") && !strings.Contains(from, "://") {
			out = append(out, from)
		}
	}
	return out
}

// copiedFile reads the file of the build context that a COPY or ADD of the
// final stage's chain puts at the absolute path prog.
func (v *dfView) copiedFile(prog string) ([]byte, string, bool) {
	if v.in.Context == nil || !strings.HasPrefix(prog, "/") {
		return nil, "", false
	}
	// The last COPY that puts a file there wins: the file itself, or a
	// folder copied into a folder that holds it.
	var srcs []string
	for _, ins := range v.instructions(v.final) {
		if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 {
			continue
		}
		dest := v.copyDest(v.final, ins)
		// Several sources go into the destination folder, each by name.
		many := len(ins.Args) > 2
		sources := v.contextSources(ins)
		// `COPY ./conf/bin/*.sh /`: a pattern's file of prog's name, in
		// the folder it copies into.
		if !copiesFromElsewhere(ins) && strings.HasSuffix(dest, "/") && path.Dir(prog) == path.Clean(dest) {
			vars := v.stageVars(ins.Stage, ins)
			for _, a := range ins.Args[:len(ins.Args)-1] {
				pat := expandKnown(strings.Trim(a, `"'`), vars)
				if ok, _ := path.Match(path.Base(pat), path.Base(prog)); ok && strings.ContainsAny(path.Base(pat), "*?[") && !strings.ContainsAny(path.Dir(pat), "*?[$") {
					srcs = append(srcs, path.Join(path.Dir(pat), path.Base(prog)))
				}
			}
		}
		if copiesFromElsewhere(ins) {
			// A file of another stage of this Dockerfile that the stage
			// copied in from the context (`ADD . .` in the builder, then
			// `COPY --from=builder /root/app/docker/entrypoint.sh
			// /usr/bin/`): that context file.
			sources = v.stageContextSources(ins)
		}
		for _, from := range sources {
			switch {
			case dest == prog && !many:
				srcs = append(srcs, from)
			case (strings.HasSuffix(dest, "/") || many) && strings.HasPrefix(prog, strings.TrimSuffix(dest, "/")+"/"):
				dir := strings.TrimSuffix(dest, "/") + "/"
				if !many {
					srcs = append(srcs, path.Join(from, strings.TrimPrefix(prog, dir)))
				}
				if path.Join(dir, path.Base(from)) == prog {
					srcs = append(srcs, from)
				}
			case path.Join(dest, path.Base(from)) == prog:
				// `COPY notice.sh /usr/bin`: a folder the image has, named
				// without its slash; the command names the file in it.
				srcs = append(srcs, from)
			case !many && strings.HasPrefix(prog, dest+"/"):
				// `COPY ci /opt/ci`: a folder of the context copied as
				// that folder; the file is in it (a file copied there
				// has no such path, and reads nothing).
				srcs = append(srcs, path.Join(from, strings.TrimPrefix(prog, dest+"/")))
			}
		}
	}
	for i := len(srcs) - 1; i >= 0; i-- {
		rel := path.Clean(strings.TrimPrefix(srcs[i], "/"))
		if b, err := rootfs.ReadFile(v.in.Context, rel, maxEntrypointScript); err == nil {
			return b, rel, true
		}
		// A folder path its own context lacks: the repository is the
		// build's context (`COPY ${SRC}/run.sh …` with `ARG
		// SRC=codeserver/ubi9`).
		if v.in.Repo != nil && strings.Contains(rel, "/") {
			if _, err := fs.Stat(v.in.Context, rel); errors.Is(err, fs.ErrNotExist) {
				if b, err := rootfs.ReadFile(v.in.Repo, rel, maxEntrypointScript); err == nil {
					return b, rel, true
				}
			}
		}
	}
	return nil, "", false
}

// stageContextSources are the build context's paths of the files a
// `COPY --from=STAGE` takes from another stage of this Dockerfile, where
// that stage's chain copied them in from the context: a path under a
// folder it copied the context, or a folder of it, into (`WORKDIR
// /root/app` then `ADD . .`).
func (v *dfView) stageContextSources(ins *dockerfile.Instruction) []string {
	name, _ := ins.Flag("from")
	stage := v.f.Stage(name)
	if stage == nil || len(ins.Args) < 2 {
		return nil
	}
	var out []string
	for _, a := range ins.Args[:len(ins.Args)-1] {
		p := expandKnown(strings.Trim(a, `"'`), v.stageVars(ins.Stage, ins))
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "*?[$") {
			continue
		}
		found := ""
		for _, in := range v.instructions(stage) {
			srcs := v.contextSources(in)
			if len(srcs) != 1 || len(in.Args) != 2 {
				continue
			}
			dest := strings.TrimSuffix(v.copyDest(stage, in), "/")
			if rest, ok := strings.CutPrefix(p, dest+"/"); ok && dest != "" {
				found = path.Join(srcs[0], rest) // the last such copy wins
			}
		}
		if found != "" {
			out = append(out, found)
		}
	}
	return out
}

// finalCommand returns the final stage's ENTRYPOINT and CMD in effect
// (the last of each in its chain; nil when there is none).
func (v *dfView) finalCommand() (entry, cmd *dockerfile.Instruction) {
	for _, ins := range v.instructions(v.final) {
		switch ins.Cmd {
		case "entrypoint":
			entry = ins
		case "cmd":
			cmd = ins
		}
	}
	return entry, cmd
}

// commandWords are the words of an ENTRYPOINT or CMD: its JSON array as
// written, or its shell form split on blanks.
func commandWords(ins *dockerfile.Instruction) []string {
	if ins.JSON {
		return ins.Args
	}
	words := strings.Fields(strings.Join(ins.Args, " "))
	// The shell unquotes a word written whole in quotes
	// (`ENTRYPOINT '/bin/bash'`).
	for i, w := range words {
		if len(w) >= 2 && (w[0] == '\'' || w[0] == '"') && w[len(w)-1] == w[0] && !strings.ContainsAny(w[1:len(w)-1], "'\" $`") {
			words[i] = w[1 : len(w)-1]
		}
	}
	return words
}

// entrypointProgram is the program an ENTRYPOINT runs: its first word, or
// the script a shell in it is given (`["bash", "/entry.sh"]`).
func entrypointProgram(ins *dockerfile.Instruction) string {
	args := commandWords(ins)
	if len(args) == 0 {
		return ""
	}
	switch path.Base(args[0]) {
	case "sh", "bash", "dash", "zsh", "tini", "dumb-init":
		for _, a := range args[1:] {
			if !strings.HasPrefix(a, "-") {
				return a
			}
		}
	}
	return args[0]
}

// copiesFromElsewhere reports whether a COPY or ADD has a `--from` flag:
// it copies from a stage or an image, not the build context.
func copiesFromElsewhere(ins *dockerfile.Instruction) bool {
	for _, f := range ins.Flags {
		if f == "--from" || strings.HasPrefix(f, "--from=") {
			return true
		}
	}
	return false
}

// passThroughCommands are what a script that sets nothing up may run
// besides `exec "$@"`: output, shell options, tests and exits.
var passThroughCommands = []string{"echo", "printf", "set", "exit", "true", "false", ":", "[", "test", "shift", "return",
	// Signal handling and waiting on a keep-alive started in the
	// background (`trap : TERM INT; (while true; do sleep 1000; done) &
	// wait`).
	"trap", "wait",
	// Queries whose answer a check tests (ROCm's `rocminfo | grep "HSA
	// Error"` before `exec "$@"`).
	"grep", "id", "whoami", "uname", "command", "which", "type", "rocminfo", "nvidia-smi", "shuf", "date",
	// Reports of the machine printed before the command (nicegui's
	// fly.io entrypoint: `free -hm; df -h; exec "$@"`).
	"free", "df", "du", "uptime", "nproc", "lscpu", "ls", "printenv",
	// A pause between messages.
	"sleep",
	// The folder the program starts in (nats-box's `cd "${HOME}"` when it
	// starts in /root): nothing of it stays once the program ends.
	"cd"}

// passThrough reports whether a shell script only prints, tests and
// exits, then runs its arguments with `exec "$@"` or ends (a banner:
// Oracle's Tuxedo `init.sh` is one `cat <<EOF`): it sets nothing up.
func passThrough(script string) bool {
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(script), "")
	if err != nil {
		return false
	}
	execs, prints, ok := 0, 0, true
	copies := argCopies(file)
	passesArgs := func(w *syntax.Word) bool { return allArgs(w) || copiedArgs(w, copies) }
	// The script's own functions (`pre() { … }`, run before `"$@"` and
	// from `trap post EXIT`), met before they are called: their bodies
	// are judged as the walk goes on, and calling one runs nothing else.
	funcs := map[string]bool{}
	syntax.Walk(file, func(n syntax.Node) bool {
		if !ok {
			return false
		}
		switch x := n.(type) {
		case *syntax.IfClause:
			// OpenShift's arbitrary-UID fix (`if ! grep -Fq "${USER_ID}"
			// /etc/passwd; then … > /etc/passwd; fi`): for a UID the image
			// lacks, which its own USER is not.
			if passwdFix(script, x) {
				return false
			}
		case *syntax.WhileClause:
			// `while true; do sleep 1000; done`: a keep-alive, as
			// `sleep infinity` is.
			if sleepLoop(x) {
				execs++
				return false
			}
		case *syntax.DeclClause:
			// `export USER_ID=$(id -u)`: the queries such a fix reads;
			// `readonly cmd="$*"`: the arguments, kept to run.
			if !idAssigns(script, x.Args) && !slices.ContainsFunc(x.Args, func(a *syntax.Assign) bool {
				return a.Name != nil && copies[a.Name.Value]
			}) {
				ok = false
			}
			return false
		case *syntax.ProcSubst:
			ok = false
		case *syntax.FuncDecl:
			// Its body is walked next.
			if x.Name != nil {
				funcs[x.Name.Value] = true
			}
		case *syntax.ArithmCmd:
			// The script's own counters (`(( counter-- > 0 ))`).
		case *syntax.CmdSubst:
			// `[ "$(shuf -i 1-20 -n 1)" -eq 1 ]`: a query's answer, tested;
			// its commands are judged as the walk goes on.
		case *syntax.Redirect:
			// Output into a file (`echo x >> ~/.bashrc`) sets something up.
			switch x.Op {
			case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.RdrClob:
				if t := x.Word.Lit(); t != "/dev/null" && t != "/dev/stderr" && t != "/dev/stdout" {
					ok = false
				}
			}
		case *syntax.CallExpr:
			if len(x.Args) == 0 {
				// A plain assignment (`DATA="/app/data"`, then echoed) is
				// the script's own: the program `exec "$@"` runs inherits
				// exported variables only, unless `set -a` exports all.
				if setAllExport.MatchString(script) && !idAssigns(script, x.Assigns) {
					ok = false
				}
				break
			}
			name := path.Base(x.Args[0].Lit())
			switch {
			case name == "exec" && len(x.Args) == 2 && passesArgs(x.Args[1]),
				len(x.Args) == 1 && passesArgs(x.Args[0]):
				// `exec "$@"`, or `"$@"` run as a child (a trap then
				// prints after it).
				execs++
			case funcs[name]:
			case name == "exec" && len(x.Args) == 1:
				// `exec 3>&1`: the script's own output descriptors (a
				// redirect into a file is judged above).
			case name == "exec" && len(x.Args) == 3 && passesArgs(x.Args[2]) && (packagedTool(path.Base(x.Args[1].Lit())) || languageRuntime(path.Base(x.Args[1].Lit()))):
				// `exec /app/kestra "$@"`: the packaged program, run with
				// the container's arguments; also a runtime the official
				// images put before an option or a subcommand (`exec deno
				// "$@"`), as `set -- node "$@"` does.
				execs++
			case len(x.Args) == 2 && passesArgs(x.Args[1]) && packagedTool(name):
				// The image's own tool run with the container's arguments
				// (`gcloud "$@"` after a notice): what a workspace runs
				// itself.
				execs++
			case name == "exec" && len(x.Args) >= 2 && slices.Contains(shells, path.Base(x.Args[1].Lit())) && onlyOptions(x.Args[2:]):
				// `exec /bin/sh -l` when no arguments were given: a shell,
				// which a workspace's terminal is already.
				execs++
			case name == "tail" && len(x.Args) == 3 && x.Args[1].Lit() == "-f" && x.Args[2].Lit() == "/dev/null",
				name == "sleep" && len(x.Args) == 2 && x.Args[1].Lit() == "infinity":
				// A keep-alive: the container stays open, as a template's
				// agent keeps it.
				execs++
			case name == "cat" && len(x.Args) == 1:
				// Prints its standard input: a here-document.
				prints++
			case slices.Contains(passThroughCommands, name):
				if name == "echo" || name == "printf" {
					prints++
				}
			case len(x.Args) >= 2 && helpQuery(x.Args[1].Lit(), len(x.Args)):
				// `wp help "$1" > /dev/null`: a program asked for its help
				// or version, to test whether the argument is one of its
				// commands (the official wordpress:cli image, which then
				// puts `wp` before the arguments with `set --`).
			case readOnlyQuery(name, x.Args[1:]):
				// `MD_COUNT=$(find "$DIR" -name "*.md" | wc -l)`, then
				// printed: a query's answer, which sets nothing up.
			default:
				ok = false
			}
		}
		return ok
	})
	return ok && (execs > 0 || prints > 0)
}

// onlyOptions reports whether every word is an option (`-l`, `--login`).
func onlyOptions(ws []*syntax.Word) bool {
	for _, w := range ws {
		if !strings.HasPrefix(w.Lit(), "-") {
			return false
		}
	}
	return true
}

// helpQuery reports whether a command whose first argument is first (of
// n words, the program's included) only asks the program for its help or
// version (`wp help "$1"`, `tool --version`): not `-h` or `-v`, which
// other programs take as options (`chown -h`, `mkdir -v`), nor `npm
// version patch`.
func helpQuery(first string, n int) bool {
	switch first {
	case "help", "--help", "--version":
		return true
	case "version":
		return n == 2
	}
	return false
}

// sleepLoop reports whether a loop only sleeps, for ever (`while true; do
// sleep 1000; done`, `while :; do sleep 60; done`).
func sleepLoop(x *syntax.WhileClause) bool {
	if len(x.Cond) != 1 || len(x.Do) == 0 {
		return false
	}
	cond, ok := x.Cond[0].Cmd.(*syntax.CallExpr)
	if !ok || len(cond.Args) != 1 {
		return false
	}
	forever := cond.Args[0].Lit() == "false"
	if !x.Until {
		forever = cond.Args[0].Lit() == "true" || cond.Args[0].Lit() == ":"
	}
	if !forever {
		return false
	}
	for _, st := range x.Do {
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || len(call.Args) != 2 || call.Args[0].Lit() != "sleep" || len(st.Redirs) > 0 {
			return false
		}
	}
	return true
}

// readOnlyQuery reports whether a command only reads and prints: a
// listing or a count (`find` without actions, `wc`, `tr`, `ls`, `sed`
// without -i). What it prints into a file is judged by its redirection.
func readOnlyQuery(name string, args []*syntax.Word) bool {
	lits := make([]string, len(args))
	for i, a := range args {
		lits[i] = a.Lit()
	}
	switch name {
	case "find":
		return !slices.ContainsFunc(lits, func(a string) bool {
			return a == "-delete" || strings.HasPrefix(a, "-exec") || strings.HasPrefix(a, "-ok") || strings.HasPrefix(a, "-fprint")
		})
	case "sed":
		return !slices.ContainsFunc(lits, func(a string) bool {
			return a == "-i" || strings.HasPrefix(a, "-i") && !strings.HasPrefix(a, "--") || strings.HasPrefix(a, "--in-place")
		})
	case "wc", "tr", "ls", "head", "tail", "cut", "sort", "uniq", "basename", "dirname", "pwd", "stat", "du", "df",
		"nproc", "hostname", "printenv", "readlink", "realpath":
		return true
	}
	return false
}

// setAllExport is `set -a` (also among other flags) or `set -o allexport`:
// the script exports every variable it assigns.
var setAllExport = regexp.MustCompile(`(?m)\bset\s+(?:-[a-zA-Z]*a[a-zA-Z]*\b|-o\s+allexport\b)`)

// idQuery is an assignment's value that asks for the running user's IDs
// (`$(id -u)`, `$(id -g)`, `$(whoami)`).
var idQuery = regexp.MustCompile(`^"?\$\((?:id -[ugn]+|whoami)\)"?$`)

// idAssigns reports whether assignments only keep the running user's IDs
// for an arbitrary-UID fix of the script (passwdFix): without one, a
// value kept is something set up.
func idAssigns(script string, as []*syntax.Assign) bool {
	if !strings.Contains(script, "/etc/passwd") {
		return false
	}
	for _, a := range as {
		if a.Value == nil || !idQuery.MatchString(nodeText(script, a.Value)) {
			return false
		}
	}
	return len(as) > 0
}

// passwdFix reports whether an `if` is OpenShift's arbitrary-UID fix: its
// condition looks the running user up (`grep … /etc/passwd`, `whoami`,
// `id -un`) and its branches only write /etc/passwd or /etc/group.
func passwdFix(script string, x *syntax.IfClause) bool {
	var cond strings.Builder
	for _, st := range x.Cond {
		cond.WriteString(nodeText(script, st))
	}
	c := cond.String()
	if !strings.Contains(c, "/etc/passwd") && !strings.Contains(c, "whoami") && !strings.Contains(c, "id -un") {
		return false
	}
	writes, other := 0, false
	syntax.Walk(x, func(n syntax.Node) bool {
		if r, ok := n.(*syntax.Redirect); ok {
			switch r.Op {
			case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.RdrClob:
				switch t := r.Word.Lit(); t {
				case "/etc/passwd", "/etc/group":
					writes++
				case "/dev/null", "/dev/stderr", "/dev/stdout":
				default:
					other = true
				}
			}
		}
		return !other
	})
	return writes > 0 && !other
}

// nodeText is the script's text of a node.
func nodeText(script string, n syntax.Node) string {
	start, end := int(n.Pos().Offset()), int(n.End().Offset())
	if start < 0 || end > len(script) || start > end {
		return ""
	}
	return script[start:end]
}

// packagedTool reports whether a program name may be the image's own
// command-line tool: not a setup script's name, a service, or an
// interpreter (which would run something else).
func packagedTool(name string) bool {
	return name != "" && name != "." && !setupName.MatchString(name) && !slices.Contains(services, name) && !interpreter(name)
}

// argCopies are the variables a script sets to its arguments
// (`cmd="$*"`, `readonly args="$@"`): `exec $cmd` then runs them, as
// `exec "$@"` does.
func argCopies(file *syntax.File) map[string]bool {
	out := map[string]bool{}
	syntax.Walk(file, func(n syntax.Node) bool {
		if a, ok := n.(*syntax.Assign); ok && a.Name != nil && a.Value != nil && !a.Append && wholeArgs(a.Value) {
			out[a.Name.Value] = true
		}
		return true
	})
	return out
}

// wholeArgs reports whether a word is all the arguments (`$@`, `$*`,
// quoted or not).
func wholeArgs(w *syntax.Word) bool {
	pe, ok := plainParam(w)
	return ok && (pe.Param.Value == "@" || pe.Param.Value == "*")
}

// copiedArgs reports whether a word is one variable of copies (`$cmd`,
// `${cmd}`, `"$cmd"`), the arguments a script kept.
func copiedArgs(w *syntax.Word, copies map[string]bool) bool {
	pe, ok := plainParam(w)
	return ok && copies[pe.Param.Value]
}

// plainParam returns the parameter a word is, alone and with no
// expansion operator (`$x`, `${x}`, `"$x"`), quoted or not.
func plainParam(w *syntax.Word) (*syntax.ParamExp, bool) {
	if len(w.Parts) != 1 {
		return nil, false
	}
	pe, ok := w.Parts[0].(*syntax.ParamExp)
	if dq, isDQ := w.Parts[0].(*syntax.DblQuoted); isDQ && len(dq.Parts) == 1 {
		pe, ok = dq.Parts[0].(*syntax.ParamExp)
	}
	if !ok || pe.Exp != nil || pe.Index != nil || pe.Slice != nil || pe.Repl != nil {
		return nil, false
	}
	return pe, true
}

// allArgs reports whether a word is `"$@"` (or `$@`, `${@}`): the
// script's arguments, unchanged.
func allArgs(w *syntax.Word) bool {
	pe, ok := plainParam(w)
	return ok && pe.Param.Value == "@"
}
