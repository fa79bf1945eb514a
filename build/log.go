package build

import (
	"fmt"
	"strings"
)

// capLog keeps the newest max bytes written to it.
type capLog struct {
	max     int64
	buf     []byte
	dropped int64
}

// Write appends p, dropping the oldest bytes past the cap.
func (l *capLog) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	if over := int64(len(l.buf)) - l.max; over > 0 {
		l.dropped += over
		l.buf = append(l.buf[:0], l.buf[over:]...)
	}
	return len(p), nil
}

// Bytes returns the kept log, with a note when older output was dropped.
func (l *capLog) Bytes() []byte {
	if l.dropped == 0 {
		return append([]byte(nil), l.buf...)
	}
	note := fmt.Sprintf("[coderready: %d earlier bytes of the build log dropped]\n", l.dropped)
	return append([]byte(note), l.buf...)
}

// tail returns the last n lines of the kept log.
func (l *capLog) tail(n int) string {
	s := strings.TrimRight(string(l.buf), "\n")
	idx := len(s)
	for i := 0; i < n; i++ {
		j := strings.LastIndexByte(s[:idx], '\n')
		if j < 0 {
			return s
		}
		idx = j
	}
	return s[idx+1:]
}

// maxLineBytes bounds a line held back waiting for its newline: a build
// that prints endlessly without one is cut into lines of this size rather
// than held in memory.
const maxLineBytes = 64 << 10

// lines splits text that arrives in pieces into whole lines (without the
// newline or a trailing \r), keeping an unterminated last piece for the
// next call.
type lines struct{ partial string }

// feed calls fn for each line completed by s (or cut at maxLineBytes).
func (l *lines) feed(s string, fn func(line string)) {
	s = l.partial + s
	l.partial = ""
	for s != "" {
		line, rest, ok := strings.Cut(s, "\n")
		if !ok {
			for len(line) > maxLineBytes {
				fn(line[:maxLineBytes])
				line = line[maxLineBytes:]
			}
			l.partial = line
			return
		}
		s = rest
		fn(strings.TrimRight(line, "\r"))
	}
}
