package checks

import (
	"strings"
	"testing"
	"testing/fstest"
)

// railwayEntry is an entrypoint script of the kind Coder's Railway
// template uses: it fixes a root-owned volume, then starts the agent's
// init script (handed in an environment variable) as coder.
const railwayEntry = `#!/bin/bash
set -e
if [ "$(id -u)" = "0" ]; then chown coder:coder /home/coder; fi
if [ -n "$CODER_INIT_SCRIPT_B64" ]; then
  f=$(mktemp)
  echo "$CODER_INIT_SCRIPT_B64" | base64 -d > "$f"
  exec su -s /bin/bash coder "$f"
fi
`

// withContext gives the Dockerfile a build context holding files.
func withContext(files map[string]string) func(*DockerfileInput) {
	return func(in *DockerfileInput) {
		m := fstest.MapFS{}
		for p, s := range files {
			m[p] = &fstest.MapFile{Data: []byte(s), Mode: 0o755}
		}
		in.Context = m
	}
}

// TestEntrypointStartsAgent: an ENTRYPOINT script, copied in from the
// build context, that starts the agent's init script itself is made for a
// template that keeps the entrypoint (CR106 does not fire), and when it
// switches to a user first, a final USER root is for its setup (CR101
// does not fire). A script that does neither, one that starts the agent
// as root, or one the context does not hold leaves both rules as they
// were.
func TestEntrypointStartsAgent(t *testing.T) {
	const df = "FROM codercom/enterprise-base:ubuntu\nUSER root\nCOPY entrypoint.sh /coder-entrypoint.sh\nRUN chmod +x /coder-entrypoint.sh\nENTRYPOINT [\"/coder-entrypoint.sh\"]\n"
	asRoot := "#!/bin/sh\nexec sh -c \"$CODER_INIT_SCRIPT\"\n"
	other := "#!/bin/sh\nchown -R coder /home/coder\nexec \"$@\"\n"
	runRuleCases(t, "CR106", []ruleCase{
		{"starts the agent", df, withContext(map[string]string{"entrypoint.sh": railwayEntry}), nil},
		{"starts the agent as root", df, withContext(map[string]string{"entrypoint.sh": asRoot}), nil},
		{"through bash, into a folder", "FROM ubuntu:24.04\nCOPY scripts/entry.sh /usr/local/bin/\nENTRYPOINT [\"bash\", \"/usr/local/bin/entry.sh\"]\n",
			withContext(map[string]string{"scripts/entry.sh": railwayEntry}), nil},
		{"another setup script", df, withContext(map[string]string{"entrypoint.sh": other}), []want{{line: 5}}},
		{"script not in the context", df, withContext(map[string]string{}), []want{{line: 5}}},
		{"no context", df, nil, []want{{line: 5}}},
		{"copied from another stage", "FROM ubuntu:24.04 AS b\nFROM ubuntu:24.04\nCOPY --from=b entrypoint.sh /coder-entrypoint.sh\nENTRYPOINT [\"/coder-entrypoint.sh\"]\n",
			withContext(map[string]string{"entrypoint.sh": railwayEntry}), []want{{line: 4}}},
	})
	runRuleCases(t, "CR101", []ruleCase{
		{"drops to coder, then starts the agent", df, withContext(map[string]string{"entrypoint.sh": railwayEntry}), nil},
		{"gosu", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nexec gosu coder sh -c \"$CODER_INIT_SCRIPT\"\n"}), nil},
		{"starts the agent as root", df, withContext(map[string]string{"entrypoint.sh": asRoot}), []want{{line: 2}}},
		{"drops to root", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nexec su root -c \"$CODER_INIT_SCRIPT\"\n"}), []want{{line: 2}}},
		{"another setup script", df, withContext(map[string]string{"entrypoint.sh": other}), []want{{line: 2}}},
		{"no context", df, nil, []want{{line: 2}}},
	})
}

// TestCR112ScriptArgument: a download inside a script another program
// runs (`su -c "wget …"`) is reported once, on its URL, not again on the
// script string.
func TestCR112ScriptArgument(t *testing.T) {
	src := "FROM debian:12\nRUN su --login -c \"wget -q https://repo.example.com/Anaconda3-Linux-x86_64.sh -O /tmp/a.sh \\\n    && bash /tmp/a.sh\" coder\n"
	got := checkRule(t, "CR112", src, nil)
	if len(got) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(got), got)
	}
	if want := "`https://repo.example.com/Anaconda3-Linux-x86_64.sh`"; !strings.Contains(got[0].Message, want) {
		t.Errorf("message %q does not quote the URL %s", got[0].Message, want)
	}
}

// TestCMDScriptFromRepository: a CMD script copied (with others, by an
// ARG-named folder path) from a folder its own context lacks is read from
// the repository, the build's context for such a Dockerfile; one the
// Dockerfile's folder holds is read from there.
func TestCMDScriptFromRepository(t *testing.T) {
	const df = "FROM debian:12\nARG SRC=codeserver/ubi9\nWORKDIR /opt/bin\nCOPY ${SRC}/run.sh ${SRC}/nginx.sh ./\nCMD [\"/opt/bin/run.sh\"]\n"
	starts := "#!/bin/bash\n/usr/sbin/httpd -DFOREGROUND &\nexec code-server --bind-addr 0.0.0.0:8787\n"
	repo := func(files, repo map[string]string) func(*DockerfileInput) {
		return func(in *DockerfileInput) {
			withContext(files)(in)
			m := fstest.MapFS{}
			for p, s := range repo {
				m[p] = &fstest.MapFile{Data: []byte(s), Mode: 0o755}
			}
			in.Repo = m
		}
	}
	runRuleCases(t, "CR106", []ruleCase{
		{"read from the repository", df, repo(nil, map[string]string{"codeserver/ubi9/run.sh": starts}), []want{{line: 5}}},
		{"not in either", df, repo(nil, map[string]string{"other/run.sh": starts}), nil},
		{"the context's own file wins", df, repo(map[string]string{"codeserver/ubi9/run.sh": "#!/bin/sh\nexec sleep infinity\n"},
			map[string]string{"codeserver/ubi9/run.sh": starts}), nil},
		{"no repository", df, withContext(nil), nil},
	})
}

// TestEntrypointPassThrough: an ENTRYPOINT script that only prints (a
// deprecation notice), tests its arguments and runs them with `exec "$@"`
// sets nothing up: CR106 does not fire, nor for one that only adds the
// running UID to /etc/passwd when it is missing (OpenShift's
// arbitrary-UID fix). One that sets a variable, runs another program or
// changes the arguments does.
// TestInlineEntrypointRunsAPassThroughScript: `bash -c 'if [ -f start ];
// then exec start "$@"; else exec "$@"; fi'` hands its arguments to a
// script that only prints and runs them (Binder's `.binder/start`).
func TestInlineEntrypointRunsAPassThroughScript(t *testing.T) {
	df := "FROM ghcr.io/acme/notebook:1\nCOPY .binder/ /home/jovyan/.binder/\n" +
		"ENTRYPOINT [\"bash\", \"-c\", \"if [ -f /home/jovyan/.binder/start ]; then exec /home/jovyan/.binder/start \\\"$@\\\"; else exec \\\"$@\\\"; fi\", \"--\"]\n"
	runRuleCases(t, "CR106", []ruleCase{
		{"a script that prints and runs them", df, withContext(map[string]string{".binder/start": "#!/bin/bash\nprintf 'Binder\\n' >&2\nexec \"$@\"\n"}), nil},
		{"a script that sets something up", df, withContext(map[string]string{".binder/start": "#!/bin/bash\npip install -e .\nexec \"$@\"\n"}), []want{{line: 3}}},
	})
}

func TestEntrypointPassThrough(t *testing.T) {
	const df = "FROM ubuntu:24.04\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/tini\", \"--\", \"/entrypoint.sh\"]\n"
	notice := "#!/bin/bash\nset -e\necho \"WARNING: this image is deprecated.\" >&2\nif [ \"$#\" -eq 0 ]; then\n  echo \"No command specified\" >&2\n  exit 1\nfi\nexec \"$@\"\n"
	runRuleCases(t, "CR106", []ruleCase{
		{"a notice, then its arguments", df, withContext(map[string]string{"entrypoint.sh": notice}), nil},
		{"a variable set first", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nexport PATH=/opt/x/bin:$PATH\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"its arguments kept in a variable, printed and run", df, withContext(map[string]string{"entrypoint.sh": "#!/usr/bin/env bash\nset -o errexit\nreadonly cmd=\"$*\"\necho \"Service is up: $cmd\"\nexec $cmd\n"}), nil},
		{"its arguments kept in a plain variable", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nargs=\"$@\"\nexec ${args}\n"}), nil},
		{"another variable run", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\ncmd=\"$*\"\nother=/usr/bin/server\nexec $other\n"}), []want{{line: 3}}},
		{"a program run first", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nchown -R app /data\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"its arguments changed", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nexec \"$@\" --verbose\n"}), []want{{line: 3}}},
		{"OpenShift's arbitrary-UID fix, then its arguments", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nset -e\nexport USER_ID=$(id -u)\nexport GROUP_ID=$(id -g)\n" +
			"if ! grep -Fq \"${USER_ID}\" /etc/passwd; then\n    cat ${HOME}/passwd.template | sed \"s/\\${USER_ID}/${USER_ID}/g\" > /etc/passwd\n    cat ${HOME}/group.template | sed \"s/\\${GROUP_ID}/${GROUP_ID}/g\" > /etc/group\nfi\nexec \"$@\"\n"}), nil},
		{"such a fix that writes elsewhere too", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nif ! whoami > /dev/null 2>&1; then\n  echo \"u:x:$(id -u):0::/home/u:/bin/sh\" >> /etc/passwd\n  echo 'export X=1' >> /home/u/.bashrc\nfi\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"a folder to start in, then its arguments or a login shell (nats-box)", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\n\nif [[ \"${HOME}\" != \"/root\" && \"${PWD}\" == \"/root\" ]]; then\n  cd \"${HOME}\"\nfi\n\nif [[ $# -ne 0 ]]; then\n  exec \"$@\"\nelse\n  exec /bin/sh -l\nfi\n"}), nil},
		{"a shell run with a script", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nexec /bin/sh /opt/start-server.sh\n"}), []want{{line: 3}}},
		{"the machine's memory and disks printed, then its arguments", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nset -e\nfree -hm\ndf -h\nexec \"$@\"\n"}), nil},
		{"a banner only", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\ncat <<EOF\nThis image is a base for Tuxedo applications.\nEOF\n"}), nil},
		{"a file printed", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\ncat /etc/motd > /tmp/seen\n"}), []want{{line: 3}}},
		{"a program run, no exec", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nservice ssh start\n"}), []want{{line: 3}}},
		{"a query tested, then its arguments", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\n/opt/rocm/bin/rocminfo 2>&1 | /bin/grep \"HSA Error\" > /dev/null\nif [ $? -eq 0 ]\nthen\n    echo \"Error: Incompatible ROCm environment.\"\n    exit 1\nfi\nexec \"$@\"\n"}), nil},
		{"a line written into a file", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\necho 'export X=1' >> /home/coder/.bashrc\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"a banner moved into place by a RUN", "FROM oraclelinux:8\nCOPY init.sh /u01/\nRUN mv /u01/init.sh /u01/oracle/init.sh && chmod +x /u01/oracle/init.sh\nENTRYPOINT [\"/u01/oracle/init.sh\"]\n",
			withContext(map[string]string{"init.sh": "#!/bin/bash\ncat <<EOF\nA base for Tuxedo applications.\nEOF\n"}), nil},
		{"a setup script moved into place by a RUN", "FROM oraclelinux:8\nCOPY init.sh /u01/\nRUN mv /u01/init.sh /u01/oracle/init.sh\nENTRYPOINT [\"/u01/oracle/init.sh\"]\n",
			withContext(map[string]string{"init.sh": "#!/bin/sh\nchown -R oracle /u01\nexec \"$@\"\n"}), []want{{line: 4}}},
		{"a notice now and then, then the packaged tool", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nif [ \"$(shuf -i 1-20 -n 1)\" -eq 1 ]; then\n  echo 'NOTICE: see the supported versions'\nfi\n/builder/google-cloud-sdk/bin/gcloud \"$@\"\n"}), nil},
		{"a service run with the arguments", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\necho starting\nsupervisord \"$@\"\n"}), []want{{line: 3}}},
		{"a value computed for the script alone", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nset -e\nif [ ! -z \"$APP_DATA\" ]; then\n    DATA=\"$APP_DATA\"\nelse\n    DATA=\"/app/data\"\nfi\necho \"Using '$DATA' as data directory\"\nexec \"$@\"\n"}), nil},
		{"a value computed and exported with set -a", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nset -a\nUIDX=$(id -u)\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"copied into a folder named without its slash", "FROM ubuntu:24.04\nCOPY notice.sh /usr/bin\nENTRYPOINT [\"/usr/bin/notice.sh\"]\n",
			withContext(map[string]string{"notice.sh": "#!/bin/sh\necho 'NOTICE: supported versions are listed elsewhere'\ncurl \"$@\"\n"}), nil},
		{"the packaged program exec'd with the arguments", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nexec /app/kestra \"$@\"\n"}), nil},
		{"a setup script exec'd with the arguments", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\nexec /usr/local/bin/docker-entrypoint.sh \"$@\"\n"}), []want{{line: 3}}},
		{"found on the PATH after a whole tree is copied", "FROM eclipse-temurin:21-jre\nCOPY docker /\nENTRYPOINT [\"docker-entrypoint.sh\"]\n",
			withContext(map[string]string{"docker/usr/local/bin/docker-entrypoint.sh": "#!/usr/bin/env sh\nset -e\nexec /app/kestra \"$@\"\n"}), nil},
		{"nothing but comments", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/sh\n# placeholder\n"}), []want{{line: 3}}},
		{"messages from functions around the arguments, and a trap", df, withContext(map[string]string{"entrypoint.sh": prePost("")}), nil},
		{"such a function that sets something up", df, withContext(map[string]string{"entrypoint.sh": prePost("  mkdir -p /data\n")}), []want{{line: 3}}},
		{"a program of the same name as no function", df, withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\npre() { echo hi; }\npost\n\"$@\"\n"}), []want{{line: 3}}},
	})
}

// prePost is gitlab-runner's test entrypoint: messages printed by functions
// before and (from a trap) after the arguments it runs; body is added to
// its `pre` function.
func prePost(body string) string {
	return "#!/usr/bin/env bash\nset -u\nset -o pipefail\nLOOP_ITERATIONS=\"${LOOP_ITERATIONS:-30}\"\n" +
		"pre() {\n  counter=\"${LOOP_ITERATIONS}\"\n" + body + "  while (( counter-- > 0 )) ; do\n    echo \"[pre][${counter}]\" >&2\n    sleep 1\n  done\n}\n" +
		"post() {\n  echo >&2 '----[ CMD ]----<'\n}\ntrap post EXIT\npre || true\n\"$@\"\n"
}
