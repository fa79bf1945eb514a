package image

import (
	"errors"
	"io"
)

// bufferedSeeker reads an io.ReaderAt through a buffer and seeks without
// I/O: a tar of many small files is read in large blocks, and the contents
// of large files are skipped rather than read.
type bufferedSeeker struct {
	r    io.ReaderAt
	size int64
	off  int64 // offset of buf[0]
	buf  []byte
	pos  int // read position in buf
	mem  []byte
}

func newBufferedSeeker(r io.ReaderAt, size int64) *bufferedSeeker {
	return &bufferedSeeker{r: r, size: size, mem: make([]byte, 256<<10)}
}

func (b *bufferedSeeker) Read(p []byte) (int, error) {
	if b.pos >= len(b.buf) {
		next := b.off + int64(len(b.buf))
		if next >= b.size {
			return 0, io.EOF
		}
		want := int64(len(b.mem))
		if rest := b.size - next; rest < want {
			want = rest
		}
		n, err := b.r.ReadAt(b.mem[:want], next)
		if n == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		b.off, b.buf, b.pos = next, b.mem[:n], 0
	}
	n := copy(p, b.buf[b.pos:])
	b.pos += n
	return n, nil
}

func (b *bufferedSeeker) Seek(offset int64, whence int) (int64, error) {
	cur := b.off + int64(b.pos)
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = cur + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return cur, errors.New("seek: bad whence")
	}
	if abs < 0 {
		return cur, errors.New("seek: negative position")
	}
	if abs >= b.off && abs <= b.off+int64(len(b.buf)) {
		b.pos = int(abs - b.off)
		return abs, nil
	}
	b.off, b.buf, b.pos = abs, b.buf[:0], 0
	return abs, nil
}
