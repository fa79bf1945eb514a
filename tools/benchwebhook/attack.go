package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// flood streams unsigned bodies at the webhook from n connections at once
// until stop closes: each attacker sends a body of size bytes (zeros,
// with a well-formed signature no secret produces, so the server must
// read it whole to tell), reads the answer, and starts again.
type flood struct {
	addr     string
	n        int
	size     int64
	statuses map[int]int
	errors   int
	bytes    atomic.Int64
	mu       sync.Mutex
}

func (f *flood) run(stop <-chan struct{}) {
	f.statuses = map[int]int{}
	var wg sync.WaitGroup
	zeros := make([]byte, 64<<10)
	for i := range f.n {
		wg.Go(func() {
			for round := 0; ; round++ {
				select {
				case <-stop:
					return
				default:
				}
				// Half send a Content-Length, half are chunked: the
				// server cannot size the body of those in advance.
				code, err := f.one(fmt.Sprintf("flood-%d-%d-%d", time.Now().UnixNano(), i, round), i%2 == 1, zeros)
				f.mu.Lock()
				if err != nil {
					f.errors++
				} else {
					f.statuses[code]++
				}
				f.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// one sends one unsigned body and returns the status it was answered
// with. The body is written while the answer is read: a server that
// refuses early answers before the body is sent.
func (f *flood) one(delivery string, chunked bool, zeros []byte) (int, error) {
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		return 0, err
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Minute))
	hdr := "POST /webhook HTTP/1.1\r\nHost: coderready\r\nContent-Type: application/json\r\nX-GitHub-Event: pull_request\r\n" +
		"X-GitHub-Delivery: " + delivery + "\r\nX-Hub-Signature-256: sha256=" + strings.Repeat("0", 64) + "\r\n"
	if chunked {
		hdr += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		hdr += "Content-Length: " + strconv.FormatInt(f.size, 10) + "\r\n\r\n"
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := io.WriteString(conn, hdr); err != nil {
			return
		}
		// A body once begun is sent whole (stop ends the rounds, not a
		// body): the server answers it rather than timing it out.
		for sent := int64(0); sent < f.size; {
			n := min(int64(len(zeros)), f.size-sent)
			if chunked {
				if _, err := fmt.Fprintf(conn, "%x\r\n", n); err != nil {
					return
				}
			}
			if _, err := conn.Write(zeros[:n]); err != nil {
				return
			}
			if chunked {
				if _, err := io.WriteString(conn, "\r\n"); err != nil {
					return
				}
			}
			sent += n
			f.bytes.Add(n)
		}
		if chunked {
			_, _ = io.WriteString(conn, "0\r\n\r\n")
		}
	}()
	defer func() { _ = conn.Close(); <-done }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// peakRSS is the most resident memory process pid has used (VmHWM).
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmHWM %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// cpuTime is the CPU time process pid has used (user and system).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command (which may hold spaces) in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	// Clock ticks are 100 a second on Linux (USER_HZ).
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
