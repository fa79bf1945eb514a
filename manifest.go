// Package coderready holds the project's root files that the binary
// embeds: the GitHub App manifest (app.yml).
package coderready

import _ "embed"

// AppManifest is app.yml, the GitHub App manifest `coderready serve` posts
// to GitHub from its setup page.
//
//go:embed app.yml
var AppManifest []byte
