// Command precision runs `coderready check --offline` over the evaluation set
// (testdata/eval) and prints, per rule, how many findings were judged TRUE,
// FALSE and MOOT, the precision and the recall of TRUE findings, then what
// differs from the judgments. `make precision` runs it. It exits 1 when the
// comparison has problems (the same ones the package test fails on).
//
// -record appends every finding nobody has judged to judgments.tsv as
// UNJUDGED, for a person to judge; -write-known-false rewrites
// known-false.tsv from the FALSE warnings and errors reported now.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/coderready/coderready/internal/precision"
)

func main() {
	dir := flag.String("dir", "testdata/eval", "the evaluation set")
	record := flag.Bool("record", false, "append unjudged findings to judgments.tsv as UNJUDGED")
	writeKnown := flag.Bool("write-known-false", false, "rewrite known-false.tsv from the FALSE warnings and errors reported now")
	reword := flag.Bool("reword", false, "give judged findings matched on path, line and rule the message and severity reported now (verdicts and reasons kept)")
	flag.Parse()
	if err := run(*dir, *record, *writeKnown, *reword); err != nil {
		fmt.Fprintln(os.Stderr, "precision:", err)
		os.Exit(1)
	}
}

func run(dir string, record, writeKnown, reword bool) error {
	sources, err := precision.LoadSources(dir)
	if err != nil {
		return err
	}
	start := time.Now()
	found, targets, err := precision.Collect(context.Background(), dir, sources)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	jfile := filepath.Join(dir, "judgments.tsv")
	js, err := precision.LoadJudgments(jfile)
	if err != nil && (!record || !errors.Is(err, fs.ErrNotExist)) {
		return err
	}
	kfile := filepath.Join(dir, "known-false.tsv")
	known, err := precision.LoadKnownFalse(kfile)
	if err != nil && (!writeKnown || !errors.Is(err, fs.ErrNotExist)) {
		return err
	}
	o := precision.Compare(found, js, known)
	if record && len(o.New) > 0 {
		for _, f := range o.New {
			js = append(js, precision.Judgment{Finding: f, Verdict: precision.Unjudged})
		}
		slices.SortStableFunc(js, func(a, b precision.Judgment) int { return precision.CompareFindings(a.Finding, b.Finding) })
		if err := writeFile(jfile, func(f *os.File) error { return precision.WriteJudgments(f, js) }); err != nil {
			return err
		}
		fmt.Printf("recorded %d new findings as UNJUDGED in %s\n", len(o.New), jfile)
		o = precision.Compare(found, js, known)
	}
	if reword {
		n := precision.Reword(js, o)
		if err := writeFile(jfile, func(f *os.File) error { return precision.WriteJudgments(f, js) }); err != nil {
			return err
		}
		fmt.Printf("reworded %d judgments in %s\n", n, jfile)
		o = precision.Compare(found, js, known)
	}
	if writeKnown {
		falses := precision.FalseWarnErr(o)
		if err := writeFile(kfile, func(f *os.File) error { return precision.WriteKnownFalse(f, falses) }); err != nil {
			return err
		}
		fmt.Printf("wrote %d known-false findings to %s\n", len(falses), kfile)
		o = precision.Compare(found, js, falses)
	}
	fmt.Printf("%d repositories, %d targets, %d findings, checked in %s\n\n", len(sources), targets, len(found), elapsed.Round(time.Millisecond))
	fmt.Print(precision.Table(o.Stats()))
	if err := o.Problems(); err != nil {
		fmt.Printf("\nproblems:\n%v\n", err)
		os.Exit(1)
	}
	return nil
}

func writeFile(name string, write func(*os.File) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		return errors.Join(fmt.Errorf("writing %s: %w", name, err), f.Close())
	}
	return f.Close()
}
