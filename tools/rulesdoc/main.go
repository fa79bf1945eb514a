// Command rulesdoc writes docs/rules.md from the rule registry of package
// checks. It runs through `go generate ./checks`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/coderready/coderready/checks"
)

func main() {
	out := flag.String("o", "", "write to this file instead of standard output")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "rulesdoc:", err)
		os.Exit(1)
	}
}

// run writes the rules doc to path, or to standard output when path is "".
// The file is only rewritten when its content changes.
func run(path string) error {
	var buf bytes.Buffer
	if err := checks.WriteRulesDoc(&buf); err != nil {
		return err
	}
	if path == "" {
		_, err := os.Stdout.Write(buf.Bytes())
		return err
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, buf.Bytes()) {
		return nil
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
