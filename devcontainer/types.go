// Package devcontainer parses devcontainer.json (JSONC, with hujson) keeping
// every property's position, and resolves image / build / compose / features
// into a build plan.
package devcontainer

// Config is a parsed devcontainer.json.
type Config struct {
	// Path is the file's path, slash-separated, relative to the scanned root.
	Path string
}
