package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	coderready "github.com/coderready/coderready"
	"github.com/coderready/coderready/app"
	"github.com/coderready/coderready/app/source"
	"github.com/coderready/coderready/build"
)

func newServeCmd() *cobra.Command {
	var (
		appID                                        int64
		keyFile, listen, dataDir, workDir, dbURL     string
		adminTokenFile                               string
		githubURL, githubAPIURL, publicURL, rulesURL string
		logLevel                                     string
		grace, jobTimeout, rescueAfter               time.Duration
		sourceMaxFiles, sourceMaxMiB                 int
		noBuild, noRegistry, noCompare, noProbe      bool
		requireRemoteBuilder, forgetSetup            bool
		workers                                      int
		bf                                           buildFlags
	)
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the GitHub App: pull request webhooks in, check runs out",
		Long: `serve runs the coderready GitHub App. It answers GitHub's webhooks on
/webhook, checks the Dockerfiles and devcontainer.json files each pull request
changes (building them on the Docker engine at DOCKER_HOST) and reports check
runs with annotations and review suggestions.

Settings come from flags, else the environment (CODERREADY_APP_ID,
CODERREADY_PRIVATE_KEY_FILE, CODERREADY_WEBHOOK_SECRET, CODERREADY_LISTEN,
CODERREADY_DATA_DIR, CODERREADY_DATABASE_URL, CODERREADY_GITHUB_URL,
CODERREADY_GITHUB_API_URL, CODERREADY_PUBLIC_URL, CODERREADY_BUILD_NETWORK,
CODERREADY_BUILD_ENGINE, CODERREADY_BUILD_MEMORY, CODERREADY_BUILD_CPUS,
CODERREADY_BUILD_PIDS, CODERREADY_REQUIRE_REMOTE_BUILDER,
CODERREADY_ADMIN_TOKEN_FILE, CODERREADY_CLIENT_ID, CODERREADY_CLIENT_SECRET_FILE,
CODERREADY_SESSION_KEY_FILE),
else the credentials /setup stored in the data dir. Without credentials the
server still starts: open /setup to create the app from app.yml. The setup
flow runs once: afterwards it refuses to replace the app (--forget-setup
re-arms it once the stored credentials are removed).

Builds on this machine's Docker engine (DOCKER_HOST unset or a local socket)
run next to the app's private key: serve warns at start, on its status page
and in /readyz. Give it a separate builder (deploy/compose.yaml,
deploy/kubernetes/coderready.yaml); --require-remote-builder makes /readyz
fail instead of warn.

The status page (/) is for admins: members of the organizations the app is
installed on sign in with GitHub (through the app's OAuth credentials, which
/setup stores) and see those installations only; the holder of the admin token
(--admin-token-file) sees every installation.

Jobs are kept in SQLite in the data dir, or in PostgreSQL when a database URL
is given (then any number of replicas may serve).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := app.SettingsFromEnv()
			if err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			f := c.Flags()
			set := func(name string, dst *string, v string) {
				if f.Changed(name) {
					*dst = v
				}
			}
			if f.Changed("app-id") {
				s.AppID = appID
			}
			set("private-key-file", &s.PrivateKeyFile, keyFile)
			set("listen", &s.Listen, listen)
			set("data-dir", &s.DataDir, dataDir)
			set("work-dir", &s.WorkDir, workDir)
			set("database-url", &s.DatabaseURL, dbURL)
			set("github-url", &s.GitHubURL, githubURL)
			set("github-api-url", &s.GitHubAPIURL, githubAPIURL)
			set("public-url", &s.PublicURL, publicURL)
			set("rules-url", &s.RulesURL, rulesURL)
			set("admin-token-file", &s.AdminTokenFile, adminTokenFile)
			// The build flags default to their CODERREADY_BUILD_* variables.
			if s.Build, err = bf.parse(); err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			if f.Changed("no-registry") {
				s.NoRegistry = noRegistry
			}
			if f.Changed("require-remote-builder") {
				s.RequireRemoteBuilder = requireRemoteBuilder
			}
			if forgetSetup {
				rec, err := app.ForgetSetup(c.Context(), s)
				if err != nil {
					return &exitCodeError{code: exitError, err: fmt.Errorf("--forget-setup: %w", err)}
				}
				if rec.AppID == 0 {
					_, _ = fmt.Fprintln(c.OutOrStdout(), "The setup flow had not created an app; nothing to forget. Start serve and open /setup.")
				} else {
					_, _ = fmt.Fprintf(c.OutOrStdout(), "Forgot GitHub App %d, created by the setup flow at %s (delete it on GitHub if it is no longer used). Start serve and open /setup to create a new one.\n",
						rec.AppID, rec.CompletedAt.Format(time.RFC3339))
				}
				return nil
			}
			s.NoBuild, s.CompareBase, s.Workers, s.Version = noBuild, !noCompare, workers, toolVersion()
			s.NoProbe = noProbe
			if sourceMaxFiles < 0 || sourceMaxMiB < 0 {
				return &exitCodeError{code: exitError, err: errors.New("--source-max-files and --source-max-mib must not be negative")}
			}
			s.SourceLimits = source.Limits{MaxFiles: sourceMaxFiles, MaxBytes: int64(sourceMaxMiB) << 20}

			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return &exitCodeError{code: exitError, err: fmt.Errorf("--log-level: %w", err)}
			}
			log := slog.New(slog.NewJSONHandler(c.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			if jobTimeout <= 0 || (rescueAfter != 0 && rescueAfter <= jobTimeout) {
				return &exitCodeError{code: exitError, err: errors.New("--job-timeout must be positive and --rescue-after longer than it (a job still running must not be taken over)")}
			}
			opts := app.Options{Logger: log, Manifest: coderready.AppManifest, JobTimeout: jobTimeout, RescueAfter: rescueAfter}
			if !s.NoBuild {
				// Connected at start and, while it does not answer, every
				// minute: an engine that comes up after the server is used.
				engine := s.Build.Engine
				opts.ConnectBuilder = func(ctx context.Context) (build.Builder, func(context.Context) error, error) {
					d, err := build.Connect(ctx, engine, 2*time.Second)
					if err != nil {
						return nil, nil, fmt.Errorf("no Docker engine answers at DOCKER_HOST=%q: %w", os.Getenv("DOCKER_HOST"), err)
					}
					return d, d.Ping, nil
				}
			}
			if err := app.Serve(c.Context(), s, opts, grace); err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			return nil
		},
	}
	f := c.Flags()
	f.Int64Var(&appID, "app-id", 0, "the GitHub App's ID (env CODERREADY_APP_ID)")
	f.StringVar(&keyFile, "private-key-file", "", "the app's private key, PEM (env CODERREADY_PRIVATE_KEY_FILE)")
	f.StringVar(&listen, "listen", "", "HTTP address (env CODERREADY_LISTEN; default :8080)")
	f.StringVar(&dataDir, "data-dir", "", "SQLite database, stored credentials, image cache (env CODERREADY_DATA_DIR)")
	f.StringVar(&workDir, "work-dir", "", "the jobs' checkouts of pull requests, apart from the data dir (env CODERREADY_WORK_DIR; default $TMPDIR/coderready-work)")
	f.StringVar(&dbURL, "database-url", "", "PostgreSQL URL; empty uses SQLite in the data dir (env CODERREADY_DATABASE_URL)")
	f.StringVar(&githubURL, "github-url", "", "GitHub or GitHub Enterprise Server address (env CODERREADY_GITHUB_URL; default https://github.com)")
	f.StringVar(&githubAPIURL, "github-api-url", "", "GitHub REST API address when not derived from --github-url (env CODERREADY_GITHUB_API_URL)")
	f.StringVar(&publicURL, "public-url", "", "where GitHub reaches this server, for the app manifest (env CODERREADY_PUBLIC_URL)")
	f.StringVar(&adminTokenFile, "admin-token-file", "", "a file holding the status page's admin token, at least 32 characters; its holder sees every installation (env CODERREADY_ADMIN_TOKEN_FILE)")
	f.StringVar(&rulesURL, "rules-url", "", "where check runs link rule IDs: a URL with {id}, or a copy of docs/rules.md (env CODERREADY_RULES_URL; default this server's /rules pages when --public-url is set)")
	f.IntVar(&sourceMaxFiles, "source-max-files", source.DefaultMaxFiles, "entries a pull request's snapshot may hold; a larger one is reported as not checked")
	f.IntVar(&sourceMaxMiB, "source-max-mib", int(source.DefaultMaxBytes>>20), "MiB of files a pull request's snapshot may hold")
	bf.register(f)
	f.BoolVar(&noBuild, "no-build", false, "never build images (static and base-image checks only)")
	f.BoolVar(&noProbe, "no-probe", false, "never run built images to prove the Coder agent starts (repositories can also set probe: off)")
	f.BoolVar(&noRegistry, "no-registry", false, "read base images from the Docker engine only (env CODERREADY_NO_REGISTRY)")
	f.BoolVar(&requireRemoteBuilder, "require-remote-builder", false, "report not ready on /readyz while builds would run on this machine's Docker engine (env CODERREADY_REQUIRE_REMOTE_BUILDER)")
	f.BoolVar(&forgetSetup, "forget-setup", false, "forget the app the setup flow created, so /setup may create a new one (after its stored credentials are removed), and exit")
	f.BoolVar(&noCompare, "no-compare", false, "do not build the base branch's image for the comparison in the summary")
	f.IntVar(&workers, "workers", 2, "check jobs run at once")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.DurationVar(&jobTimeout, "job-timeout", time.Hour, "how long one check job may run, builds included")
	f.DurationVar(&rescueAfter, "rescue-after", 0, "after how long a job left running by a replica that died (or was killed) is run again by another, on PostgreSQL (default --job-timeout + 5m; must exceed --job-timeout)")
	f.DurationVar(&grace, "shutdown-grace", 30*time.Second, "on SIGTERM, how long running requests and jobs get to finish")
	return c
}
