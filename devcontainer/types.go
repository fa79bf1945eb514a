// Package devcontainer parses devcontainer.json (JSONC, with hujson) keeping
// every property's position, and resolves what the file builds: an image, a
// Dockerfile with its context, args and target, or a Compose service.
package devcontainer
