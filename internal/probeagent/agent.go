// Package probeagent is the program coderready's runtime probe downloads
// into a built workspace image in place of the Coder agent: started by the
// same bootstrap a Coder template runs, it reports what the agent would
// meet (its user, home, /tmp, shell, PATH, which tools run, the libc
// loader, the locale) as one JSON line, and exits. It is built as a small
// static binary (cmd/coderready-probe), so it runs in any Linux image of
// its architecture, and also serves itself to the workspace container
// from the probe's sidecar.
package probeagent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ReportPrefix starts the line of the agent's stdout that holds its
// Report as JSON.
const ReportPrefix = "coderready-probe-report: "

// ServingLine is what the sidecar prints once it listens.
const ServingLine = "coderready-probe-serving"

// Version is what `coder --version` prints, as the real agent's first
// line starts with "Coder".
const Version = "Coder v0.0.0-coderready-probe"

// Report is what the agent found, as the user the workspace runs as.
type Report struct {
	UID int `json:"uid"`
	GID int `json:"gid"`
	// User is the passwd name of UID ("" when /etc/passwd has no entry:
	// InPasswd false).
	User     string `json:"user"`
	InPasswd bool   `json:"in_passwd"`
	// Home is $HOME as the bootstrap saw it; PasswdHome is the passwd
	// entry's home.
	Home         string `json:"home"`
	PasswdHome   string `json:"passwd_home,omitempty"`
	HomeWritable bool   `json:"home_writable"`
	HomeError    string `json:"home_error,omitempty"`
	TmpWritable  bool   `json:"tmp_writable"`
	TmpExec      bool   `json:"tmp_exec"`
	TmpError     string `json:"tmp_error,omitempty"`
	// Shell is the passwd entry's login shell; ShellRuns whether `Shell
	// -l -c exit 0` succeeded (ShellError says how it failed).
	Shell      string `json:"shell"`
	ShellRuns  bool   `json:"shell_runs"`
	ShellError string `json:"shell_error,omitempty"`
	Path       string `json:"path"`
	// Tools are git, ssh and bash, each executed.
	Tools []Tool `json:"tools"`
	// Loader is the dynamic loader found ("" for none: static binaries
	// only).
	Loader string `json:"loader"`
	Locale string `json:"locale"`
}

// Tool is one program run with its version flag.
type Tool struct {
	Name  string `json:"name"`
	Path  string `json:"path,omitempty"`
	Runs  bool   `json:"runs"`
	Error string `json:"error,omitempty"`
}

// Main runs the agent with args (os.Args[1:]) and returns its exit code.
//
//	coder --version              prints Version
//	coder agent                  prints the report line and exits 0
//	coder serve ADDR FILE        serves FILE at /bin/* on ADDR (the sidecar)
//	coder noop                   exits 0 (the /tmp exec test)
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		_, _ = fmt.Fprintln(stderr, "usage: coder agent | --version | serve ADDR FILE")
		return 2
	}
	switch args[0] {
	case "--version", "version":
		_, _ = fmt.Fprintln(stdout, Version)
		return 0
	case "noop":
		return 0
	case "agent":
		b, err := json.Marshal(Collect())
		if err != nil {
			_, _ = fmt.Fprintln(stderr, "coderready probe:", err)
			return 1
		}
		_, _ = fmt.Fprintf(stdout, "%s%s\n", ReportPrefix, b)
		return 0
	case "serve":
		if len(args) != 3 {
			_, _ = fmt.Fprintln(stderr, "usage: coder serve ADDR FILE")
			return 2
		}
		if err := serve(args[1], args[2], stdout); err != nil {
			_, _ = fmt.Fprintln(stderr, "coderready probe sidecar:", err)
			return 1
		}
		return 0
	}
	_, _ = fmt.Fprintf(stderr, "coderready probe: unknown command %q\n", args[0])
	return 2
}

// serve serves file for every GET of /bin/* on addr until killed.
func serve(addr, file string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintln(stdout, ServingLine)
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/bin/") {
				http.NotFound(w, r)
				return
			}
			http.ServeFile(w, r, file)
		}),
	}
	return srv.Serve(ln)
}

// Collect gathers the report as the running user.
func Collect() Report {
	r := Report{UID: os.Getuid(), GID: os.Getgid(), Home: os.Getenv("HOME"), Path: os.Getenv("PATH")}
	if name, home, shell, ok := passwdEntry("/etc/passwd", r.UID); ok {
		r.User, r.PasswdHome, r.Shell, r.InPasswd = name, home, shell, true
	}
	home := r.Home
	if home == "" {
		home = r.PasswdHome
	}
	if home == "" {
		r.HomeError = "no HOME and no passwd home"
	} else if err := writable(home); err != nil {
		r.HomeError = err.Error()
	} else {
		r.HomeWritable = true
	}
	r.TmpWritable, r.TmpExec, r.TmpError = tmpUsable()
	if r.Shell != "" {
		if err := run(r.Shell, "-l", "-c", "exit 0"); err != nil {
			r.ShellError = err.Error()
		} else {
			r.ShellRuns = true
		}
	}
	for _, t := range []struct{ name, flag string }{{"git", "--version"}, {"ssh", "-V"}, {"bash", "--version"}} {
		tool := Tool{Name: t.name}
		p, err := exec.LookPath(t.name)
		switch {
		case err != nil:
			tool.Error = "not on PATH"
		default:
			tool.Path = p
			if err := run(p, t.flag); err != nil {
				tool.Error = err.Error()
			} else {
				tool.Runs = true
			}
		}
		r.Tools = append(r.Tools, tool)
	}
	for _, l := range []string{
		"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-armhf.so.3",
		"/lib/ld-musl-x86_64.so.1", "/lib/ld-musl-aarch64.so.1", "/lib/ld-musl-armhf.so.1",
	} {
		if _, err := os.Stat(l); err == nil {
			r.Loader = l
			break
		}
	}
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := os.Getenv(v); s != "" {
			r.Locale = v + "=" + s
			break
		}
	}
	return r
}

// passwdEntry finds uid in a passwd file.
func passwdEntry(file string, uid int) (name, home, shell string, ok bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", "", "", false
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), ":")
		if len(fs) < 7 {
			continue
		}
		if id, err := strconv.Atoi(fs[2]); err == nil && id == uid {
			return fs[0], fs[5], fs[6], true
		}
	}
	return "", "", "", false
}

// writable creates and removes a file in dir.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".coderready-probe-*")
	if err != nil {
		return err
	}
	_ = f.Close()
	return os.Remove(f.Name())
}

// tmpUsable writes a copy of this program to /tmp and runs it.
func tmpUsable() (write, execOK bool, msg string) {
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return false, false, "read /proc/self/exe: " + err.Error()
	}
	f, err := os.CreateTemp("/tmp", ".coderready-probe-*")
	if err != nil {
		return false, false, err.Error()
	}
	name := f.Name()
	defer func() { _ = os.Remove(name) }()
	_, err = f.Write(self)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o755)
	}
	if err != nil {
		return false, false, err.Error()
	}
	if err := run(name, "noop"); err != nil {
		return true, false, err.Error()
	}
	return true, true, ""
}

// run runs a program for at most 5 seconds; its error carries the first
// line of stderr.
func run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	cmd.Stdin = nil
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s did not finish in 5 s", filepath.Base(name))
	}
	if line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n"); line != "" {
		return fmt.Errorf("%w: %s", err, line)
	}
	return err
}
