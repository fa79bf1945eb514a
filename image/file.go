package image

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// FileType is the kind of a file in an image's filesystem.
type FileType string

// The file types an image index holds.
const (
	TypeFile     FileType = "file"
	TypeDir      FileType = "dir"
	TypeSymlink  FileType = "symlink"
	TypeHardlink FileType = "hardlink" // only for a hard link whose target is missing
	TypeChar     FileType = "char"
	TypeBlock    FileType = "block"
	TypeFifo     FileType = "fifo"
)

// Mode holds a file's permission bits including setuid, setgid and sticky
// (the low 12 bits of a tar header's mode). It marshals to JSON as an octal
// string such as "0755".
type Mode uint32

// MarshalJSON writes the mode as a four-digit octal string.
func (m Mode) MarshalJSON() ([]byte, error) {
	return json.Marshal(fmt.Sprintf("%04o", uint32(m)))
}

// UnmarshalJSON reads an octal string or a number.
func (m *Mode) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n uint32
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("mode: %w", err)
		}
		*m = Mode(n)
		return nil
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return fmt.Errorf("mode %q: %w", s, err)
	}
	*m = Mode(n)
	return nil
}

// File is one entry of an image's final filesystem index.
type File struct {
	Type FileType `json:"type"`
	Mode Mode     `json:"mode"`
	Size int64    `json:"size,omitempty"`
	UID  int      `json:"uid"`
	GID  int      `json:"gid"`
	// Link is a symbolic link's target, as written in the image.
	Link string `json:"link,omitempty"`
	// HardLink is the path this entry is a hard link to; the other fields
	// are the target's.
	HardLink string `json:"hardlink,omitempty"`
	// Layer is the index of the layer that last wrote the entry.
	Layer int `json:"layer"`
}

// Executable reports whether the entry is a regular file with an execute bit.
func (f File) Executable() bool {
	return f.Type == TypeFile && f.Mode&0o111 != 0
}

// IsDir reports whether the entry is a directory.
func (f File) IsDir() bool { return f.Type == TypeDir }
