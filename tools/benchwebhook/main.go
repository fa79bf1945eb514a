// Command benchwebhook measures `coderready serve`'s webhook endpoint: it
// fires signed pull_request deliveries at a fixed rate over loopback and
// reports the acknowledgement latency (p50, p99) and the deliveries per
// second, against a named baseline measured in the same run: a bare Go
// HTTP handler that checks the signature and answers 202 (the floor of any
// webhook receiver). It also times one whole check job without a build
// (API calls, tarball, scan, report). GitHub is a loopback fake.
//
//	go run ./tools/benchwebhook -bin bin/coderready -rate 200 -duration 15s
package main

import (
	"database/sql"
	neturl "net/url"

	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	_ "github.com/jackc/pgx/v5/stdlib"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/coderready/coderready/app/githubfake"
)

const (
	secret = "bench webhook secret"
	repo   = "Codertocat/Hello-World"
	head   = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	base   = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
)

func main() {
	bin := flag.String("bin", "bin/coderready", "the coderready binary")
	rate := flag.Int("rate", 200, "deliveries per second")
	duration := flag.Duration("duration", 15*time.Second, "how long to fire")
	dbURL := flag.String("database-url", "", "also measure with this PostgreSQL database")
	flag.Parse()
	if err := run(*bin, *rate, *duration, *dbURL); err != nil {
		log.Fatal(err)
	}
}

func run(bin string, rate int, duration time.Duration, dbURL string) error {
	shared, err := githubfake.FindSharedDir()
	if err != nil {
		return err
	}
	payload, err := os.ReadFile(filepath.Join(shared, "fixtures", "github-webhooks", "pull_request.opened.json"))
	if err != nil {
		return err
	}
	var tmpl map[string]any
	if err := json.Unmarshal(payload, &tmpl); err != nil {
		return err
	}
	// Each delivery names a new head commit of the pull request, so each
	// is routed and queues a check job of its own (which the fake's pull
	// request, whose head is another commit, ends at once as superseded).
	labeled, err := os.ReadFile(filepath.Join(shared, "fixtures", "github-webhooks", "pull_request.labeled.json"))
	if err != nil {
		return err
	}
	quiet := func(int) []byte { return labeled }
	body := func(i int) []byte {
		pr := tmpl["pull_request"].(map[string]any)
		pr["head"].(map[string]any)["sha"] = fmt.Sprintf("%040x", rand.Uint64()<<20|uint64(i))
		b, _ := json.Marshal(tmpl)
		return b
	}

	fake, err := githubfake.New(githubfake.Options{RateLimit: 1 << 30})
	if err != nil {
		return err
	}
	defer fake.Close()
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	fake.AddCommit(repo, base, map[string]string{"README.md": "hi\n"})
	fake.AddCommit(repo, head, map[string]string{"README.md": "hi\n", "Dockerfile": "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nCMD [\"bash\"]\n"})
	fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: 2, Head: githubfake.PRRef{Ref: "changes", SHA: head}, Base: githubfake.PRRef{Ref: "master", SHA: base}})

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}, Timeout: 30 * time.Second}
	fmt.Printf("webhook acknowledgement, %d deliveries/s for %s, pull_request payload %d bytes, GOMAXPROCS of this machine: %d cores\n\n", rate, duration, len(payload), numCPU())
	fmt.Printf("%-46s %8s %8s %9s %9s %9s %10s %9s\n", "receiver", "sent", "202", "p50", "p99", "max", "acked/s", "p99/base")

	// Baseline: verify the signature, answer 202.
	bl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bsrv := &http.Server{Handler: http.HandlerFunc(baselineHandler), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = bsrv.Serve(bl) }()
	baseRes := (&load{url: "http://" + bl.Addr().String() + "/webhook", secret: secret, event: "pull_request", body: body, rate: rate, duration: duration, client: client}).run()
	_ = bsrv.Close()
	report("baseline: net/http + HMAC only", baseRes, baseRes)

	modes := []struct{ name, db string }{{"coderready serve (SQLite)", ""}}
	if dbURL != "" {
		fresh, drop, err := freshDatabase(dbURL)
		if err != nil {
			return err
		}
		defer drop()
		modes = append(modes, struct{ name, db string }{"coderready serve (PostgreSQL)", fresh})
	}
	var jobLine string
	for _, m := range modes {
		res, job, err := measureServe(bin, fake, m.db, rate, duration, client, []func(int) []byte{quiet, body}, payload)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		report(m.name+", labeled", res[0], baseRes)
		report(m.name+", new heads", res[1], baseRes)
		if jobLine == "" {
			jobLine = fmt.Sprintf("one check job without a build (delivery to completed check run: API calls, tarball, scan, review, report): %s", job.Round(time.Millisecond))
		}
	}
	fmt.Println()
	fmt.Println(jobLine)
	return nil
}

func numCPU() int { return runtimeNumCPU() }

func report(name string, r, base result) {
	ratio := "1.00"
	if base.percentile(0.99) > 0 {
		ratio = fmt.Sprintf("%.2f", float64(r.percentile(0.99))/float64(base.percentile(0.99)))
	}
	fmt.Printf("%-46s %8d %8d %9s %9s %9s %10.1f %9s\n", name, r.sent, r.ok,
		ms(r.percentile(0.50)), ms(r.percentile(0.99)), ms(r.percentile(1)), r.rate(), ratio)
	if r.failed > 0 {
		fmt.Printf("%-46s statuses: %v\n", "", r.statuses)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func baselineHandler(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 25<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(b)
	if !hmac.Equal([]byte(r.Header.Get("X-Hub-Signature-256")), []byte("sha256="+hex.EncodeToString(m.Sum(nil)))) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// measureServe starts `coderready serve` against the fake, times one
// whole check job, then fires the load.
func measureServe(bin string, fake *githubfake.Server, dbURL string, rate int, duration time.Duration, client *http.Client, bodies []func(int) []byte, payload []byte) ([]result, time.Duration, error) {
	dir, err := os.MkdirTemp("", "benchwebhook-")
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	key := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(key, fake.AppKeyPEM(), 0o600); err != nil {
		return nil, 0, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.Command(bin, "serve", "--no-build", "--no-registry", "--no-compare", "--log-level", "warn")
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("CODERREADY_APP_ID=%d", fake.AppID()), "CODERREADY_PRIVATE_KEY_FILE="+key,
		"CODERREADY_WEBHOOK_SECRET="+secret, "CODERREADY_DATA_DIR="+filepath.Join(dir, "data"),
		"CODERREADY_GITHUB_API_URL="+fake.URL, "CODERREADY_LISTEN="+addr, "CODERREADY_DATABASE_URL="+dbURL)
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, 0, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	url := "http://" + addr
	if err := waitHealthy(url, 30*time.Second); err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
		return nil, 0, fmt.Errorf("%w\n%s", err, b)
	}

	// One whole job: the fixture delivery, to the completed check run.
	before := len(fake.CheckRuns(repo))
	start := time.Now()
	one := &load{url: url + "/webhook", secret: secret, event: "pull_request", body: func(int) []byte { return payload }, rate: 1, duration: time.Second, client: client}
	if r := one.run(); r.ok != 1 {
		return nil, 0, fmt.Errorf("the job's delivery was answered %v", r.statuses)
	}
	for {
		runs := fake.CheckRuns(repo)
		if len(runs) > before && runs[len(runs)-1].Status == "completed" {
			break
		}
		if time.Since(start) > time.Minute {
			return nil, 0, fmt.Errorf("the check job did not finish within a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
	job := time.Since(start)

	// Warm up, then measure each kind of load.
	var out []result
	for _, body := range bodies {
		warm := &load{url: url + "/webhook", secret: secret, event: "pull_request", body: body, rate: 50, duration: time.Second, client: client}
		warm.run()
		out = append(out, (&load{url: url + "/webhook", secret: secret, event: "pull_request", body: body, rate: rate, duration: duration, client: client}).run())
		time.Sleep(2 * time.Second) // let the queue drain
	}
	return out, job, nil
}

func waitHealthy(url string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for ctx.Err() == nil {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("serve did not become healthy at %s", url)
}

// freshDatabase creates an empty database beside the one url names, so a
// run starts from nothing, and returns its URL and a function dropping it.
func freshDatabase(url string) (string, func(), error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("coderready_bench_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		_ = db.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		_ = db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		_ = db.Close()
	}, nil
}
