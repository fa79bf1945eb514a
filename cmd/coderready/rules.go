package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/coderready/coderready/checks"
)

func newRulesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rules [ID...]",
		Short: "List the rules, or explain the ones named",
		RunE: func(c *cobra.Command, args []string) error {
			var w strings.Builder
			if len(args) == 0 {
				tw := tabwriter.NewWriter(&w, 0, 4, 2, ' ', 0)
				_, _ = fmt.Fprintln(tw, "ID\tSEVERITY\tFAMILY\tTITLE")
				for _, r := range checks.Rules() {
					_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Family, r.Title)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				_, err := io.WriteString(c.OutOrStdout(), w.String())
				return err
			}
			for i, id := range args {
				r := checks.Lookup(id)
				if r == nil {
					return &exitCodeError{code: exitError, err: fmt.Errorf("no rule %q (run 'coderready rules' for the list)", id)}
				}
				if i > 0 {
					w.WriteString("\n")
				}
				fmt.Fprintf(&w, "%s  %s (%s, %s)\n\nWhat: %s\n\nWhy: %s\n", r.ID, r.Title, r.Severity, r.Family, r.What, r.Why)
				for _, s := range r.Sources {
					src := checks.Sources[s]
					fmt.Fprintf(&w, "  source: %s — %s (%s)\n", src.Title, src.Where, src.URL)
				}
				fmt.Fprintf(&w, "\nHow to fix: %s\n", strings.TrimSpace(r.HowToFix))
			}
			_, err := io.WriteString(c.OutOrStdout(), w.String())
			return err
		},
	}
}
