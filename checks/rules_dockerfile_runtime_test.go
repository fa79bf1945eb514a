package checks

import "testing"

func TestCR116(t *testing.T) {
	runRuleCases(t, "CR116", []ruleCase{
		{"systemctl enable", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y docker.io && systemctl enable docker\n", nil,
			[]want{{2, 55, nil}}},
		{"enable --now, exec form", "FROM ubuntu:24.04\nRUN [\"systemctl\", \"--now\", \"enable\", \"ssh\"]\n", nil, []want{{2, 0, nil}}},
		{"in a base stage of the final one", "FROM ubuntu:24.04 AS base\nRUN systemctl start cron\nFROM base\nUSER 1000\n", nil, []want{{2, 5, nil}}},
		{"unit file copied", "FROM debian:12\nCOPY app.service /etc/systemd/system/\n", nil, []want{{2, 0, nil}}},
		{"unit file copied and enabled: once", "FROM debian:12\nCOPY app.service /etc/systemd/system/app.service\nRUN systemctl enable app\n", nil,
			[]want{{3, 5, nil}}},
		{"disable and mask", "FROM ubuntu:24.04\nRUN systemctl disable apt-daily.timer && systemctl mask systemd-logind\n", nil, nil},
		{"only under a condition", "FROM ubuntu:24.04\nRUN if command -v systemctl; then systemctl enable docker; fi\n", nil, nil},
		{"in a builder stage only", "FROM ubuntu:24.04 AS build\nRUN systemctl enable docker\nFROM ubuntu:24.04\nCOPY --from=build /etc/hosts /tmp/\n", nil, nil},
		{"a unit enabled by a link into a target's wants", "FROM debian:12\nRUN ln -s /opt/app/etc/systemd/system/app.service /etc/systemd/system/multi-user.target.wants/\n", nil, []want{{2, 5, nil}}},
		{"a link elsewhere", "FROM debian:12\nRUN ln -s /opt/app/bin/app /usr/local/bin/\n", nil, nil},
		{"systemctl replaced by a script of the image", "FROM centos:7\nCOPY ./systemctl /usr/bin/systemctl\nCOPY ./kubelet.service /etc/systemd/system/\nRUN systemctl start kubelet\n", nil, nil},
		{"systemctl replaced by a download", "FROM ubuntu:22.04\nRUN curl -fsSL -o /usr/bin/systemctl https://example.org/systemctl3.py && chmod +x /usr/bin/systemctl\nRUN systemctl enable nginx\n", nil, nil},
		{"drop-in config, not a unit", "FROM debian:12\nCOPY override.conf /etc/systemd/system/docker.service.d/\n", nil, nil},
	})
}
