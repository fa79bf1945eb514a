// Command benchwebhook measures `coderready serve`'s webhook endpoint: it
// fires signed pull_request deliveries at a fixed rate over loopback and
// reports the acknowledgement latency (p50, p99) and the deliveries per
// second, against a named baseline measured in the same run: a bare Go
// HTTP handler that checks the signature and answers 202 (the floor of any
// webhook receiver). It also times one whole check job without a build
// (API calls, tarball, scan, report). GitHub is a loopback fake.
//
// The flood case is issue 9's attack 3: while signed deliveries arrive at
// the same rate, -attackers connections stream unsigned 25 MiB bodies
// without pause. It reports the serve process's peak resident memory
// (VmHWM) and the signed deliveries' latencies, and with -base-bin the
// same for another binary (the commit before a change) as ratios.
//
//	go run ./tools/benchwebhook -bin bin/coderready -rate 200 -duration 15s -attackers 80 -base-bin /tmp/old/coderready
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
	"sync"
	"syscall"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/internal/testenv"
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
	attackers := flag.Int("attackers", 80, "unsigned bodies streamed at once in the flood case (0: no flood case)")
	attackBytes := flag.Int64("attack-bytes", 25<<20, "size of each unsigned body in the flood case")
	baseBin := flag.String("base-bin", "", "also run the flood case against this binary, the baseline of the ratios")
	floodOnly := flag.Bool("flood-only", false, "run only the flood case")
	flag.Parse()
	if err := run(*bin, *rate, *duration, *dbURL, *attackers, *attackBytes, *baseBin, *floodOnly); err != nil {
		log.Fatal(err)
	}
}

func run(bin string, rate int, duration time.Duration, dbURL string, attackers int, attackBytes int64, baseBin string, floodOnly bool) error {
	shared, err := testenv.TestdataDir()
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
	var tmplMu sync.Mutex // the load calls body from many goroutines
	body := func(i int) []byte {
		tmplMu.Lock()
		defer tmplMu.Unlock()
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
	if floodOnly {
		return floodCase(bin, baseBin, fake, rate, duration, attackers, attackBytes, client, quiet)
	}
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
	if attackers > 0 {
		fmt.Println()
		return floodCase(bin, baseBin, fake, rate, duration, attackers, attackBytes, client, quiet)
	}
	return nil
}

// floodCase measures each binary (the baseline first) with the signed
// deliveries alone, then under the flood, each in a fresh serve process,
// and prints the ratios: flood against none, and against the baseline.
func floodCase(bin, baseBin string, fake *githubfake.Server, rate int, duration time.Duration, attackers int, size int64, client *http.Client, body func(int) []byte) error {
	fmt.Printf("unsigned flood: %d connections streaming unsigned %d MiB bodies (half chunked) while signed deliveries arrive at %d/s for %s (SQLite)\n\n",
		attackers, size>>20, rate, duration)
	fmt.Printf("%-26s %6s %9s %7s %7s %7s %9s %9s %9s  %s\n", "binary", "flood", "peak RSS", "CPU", "sent", "202", "p50", "p99", "max", "unsigned answered")
	bins := []string{bin}
	if baseBin != "" {
		bins = []string{baseBin, bin}
	}
	var results [][2]floodResult
	for _, b := range bins {
		var pair [2]floodResult
		for i, n := range []int{0, attackers} {
			r, err := measureFlood(b, fake, rate, duration, n, size, client, body)
			if err != nil {
				return fmt.Errorf("flood on %s: %w", b, err)
			}
			pair[i] = r
			unsigned := "-"
			if n > 0 {
				unsigned = fmt.Sprintf("%v, %d without an answer, %d MiB sent", r.statuses, r.errors, r.sent>>20)
			}
			fmt.Printf("%-26s %6d %8dM %6.1fs %7d %7d %9s %9s %9s  %s\n", filepath.Base(filepath.Dir(b))+"/"+filepath.Base(b), n, r.rss>>20, r.cpu.Seconds(), r.signed.sent, r.signed.ok,
				ms(r.signed.percentile(0.5)), ms(r.signed.percentile(0.99)), ms(r.signed.percentile(1)), unsigned)
			if r.signed.failed > 0 {
				fmt.Printf("%-26s %6s signed statuses: %v\n", "", "", r.signed.statuses)
			}
		}
		results = append(results, pair)
	}
	fmt.Println()
	for i, b := range bins {
		p := results[i]
		fmt.Printf("%s: under the flood, peak RSS x%.2f and signed p99 x%.2f of its own without the flood\n", b,
			float64(p[1].rss)/float64(p[0].rss), ratioOf(p[1].signed.percentile(0.99), p[0].signed.percentile(0.99)))
	}
	if len(results) == 2 {
		b, n := results[0][1], results[1][1]
		fmt.Printf("%s against %s, both under the flood: peak RSS x%.3f, serve CPU x%.3f, signed p50 x%.3f, p99 x%.3f, acknowledged %d/%d against %d/%d\n", bin, baseBin,
			float64(n.rss)/float64(b.rss), n.cpu.Seconds()/b.cpu.Seconds(), ratioOf(n.signed.percentile(0.5), b.signed.percentile(0.5)), ratioOf(n.signed.percentile(0.99), b.signed.percentile(0.99)),
			n.signed.ok, n.signed.sent, b.signed.ok, b.signed.sent)
	}
	return nil
}

func ratioOf(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// floodResult is what one flood run measured.
type floodResult struct {
	rss      int64
	cpu      time.Duration // serve's CPU time from the flood's start to its end
	signed   result
	statuses map[int]int
	errors   int
	sent     int64
}

// measureFlood starts serve, floods it while firing signed deliveries,
// and reads its peak resident memory.
func measureFlood(bin string, fake *githubfake.Server, rate int, duration time.Duration, attackers int, size int64, client *http.Client, body func(int) []byte) (floodResult, error) {
	srv, err := startServe(bin, fake, "")
	if err != nil {
		return floodResult{}, err
	}
	defer srv.stop()
	// Warm up without the flood: the first deliveries pay for connections
	// and the database's first writes.
	(&load{url: srv.url + "/webhook", secret: secret, event: "pull_request", body: body, rate: 50, duration: time.Second, client: client}).run()
	cpu0, err := cpuTime(srv.cmd.Process.Pid)
	if err != nil {
		return floodResult{}, err
	}
	f := &flood{addr: srv.addr, n: attackers, size: size}
	stop := make(chan struct{})
	floodDone := make(chan struct{})
	go func() { f.run(stop); close(floodDone) }()
	time.Sleep(time.Second) // the flood under way before the first signed delivery
	signed := (&load{url: srv.url + "/webhook", secret: secret, event: "pull_request", body: body, rate: rate, duration: duration, client: client}).run()
	close(stop)
	<-floodDone
	rss, err := peakRSS(srv.cmd.Process.Pid)
	if err != nil {
		return floodResult{}, err
	}
	cpu1, err := cpuTime(srv.cmd.Process.Pid)
	if err != nil {
		return floodResult{}, err
	}
	return floodResult{rss: rss, cpu: cpu1 - cpu0, signed: signed, statuses: f.statuses, errors: f.errors, sent: f.bytes.Load()}, nil
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
	srv, err := startServe(bin, fake, dbURL)
	if err != nil {
		return nil, 0, err
	}
	defer srv.stop()
	url := srv.url

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

// served is a running `coderready serve`.
type served struct {
	cmd  *exec.Cmd
	addr string
	url  string
	stop func()
}

// startServe starts `coderready serve` against the fake on a free port
// with a fresh data dir, and waits until it is healthy.
func startServe(bin string, fake *githubfake.Server, dbURL string) (*served, error) {
	dir, err := os.MkdirTemp("", "benchwebhook-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*served, error) { _ = os.RemoveAll(dir); return nil, err }
	key := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(key, fake.AppKeyPEM(), 0o600); err != nil {
		return fail(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
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
		return fail(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fail(err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = logf.Close()
		_ = os.RemoveAll(dir)
	}
	url := "http://" + addr
	if err := waitHealthy(url, 30*time.Second); err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
		stop()
		return nil, fmt.Errorf("%w\n%s", err, b)
	}
	return &served{cmd: cmd, addr: addr, url: url, stop: stop}, nil
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
