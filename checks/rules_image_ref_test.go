package checks

import "testing"

// TestCR125: a FROM or COPY --from image whose repository is in upper
// case is an error, with the lower-cased name as the fix; a valid
// reference, another fault (a fixture's made-up digest), a variable, a
// stage (named in any case), a placeholder and scratch are not.
func TestCR125(t *testing.T) {
	runRuleCases(t, "CR125", []ruleCase{
		{"upper case in the repository", "FROM ghcr.io/HugoBlox/hugo-blox-dev:hugo0.154.5\nUSER 1000\n", nil,
			[]want{{line: 1, edits: []string{e(1, "FROM ghcr.io/hugoblox/hugo-blox-dev:hugo0.154.5")}}}},
		{"upper case on Docker Hub, COPY --from too", "FROM Ubuntu:24.04\nCOPY --from=Acme/tools:1 /x /x\n", nil, []want{{line: 1}, {line: 2}}},
		{"another fault, a fixture's made-up digest", "FROM ubuntu@abc123\n", nil, nil},
		{"an upper-case placeholder", "FROM TO_BE_REPLACED\n", nil, nil},
		{"valid, upper case in the tag", "FROM ghcr.io/acme/tools:1.0-RC1\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/\n", nil, nil},
		{"a variable", "ARG BASE=Acme/tools\nFROM ${BASE}\n", nil, nil},
		{"a stage named in another case", "FROM debian:12 AS Builder\nFROM Builder\nCOPY --from=Builder /x /x\n", nil, nil},
		{"a placeholder", "FROM __BASE_IMAGE__\n", nil, nil},
		{"scratch", "FROM scratch\n", nil, nil},
		{"quoted, as BuildKit reads it", "FROM \"gcr.io/distroless/static-debian13\"\nCOPY --from=\"ghcr.io/acme/tools:1\" /x /x\n", nil, nil},
	})
}
