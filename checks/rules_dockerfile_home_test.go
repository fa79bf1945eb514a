package checks

import (
	"strings"
	"testing"
)

// TestToolHomeWrites: what installers and tools write into the home by
// themselves is judged by CR115 (a home the template's volume hides) and
// CR114 (root's home) like any path the Dockerfile names.
func TestToolHomeWrites(t *testing.T) {
	for _, tc := range []struct {
		name, id, src string
		line          int // 0: the rule must not fire
		path          string
	}{
		{"rustup installer as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -fsSL https://sh.rustup.rs | sh -s -- -y\n", 3, "/home/coder/.cargo"},
		{"rustup with CARGO_HOME set", "CR115", "FROM ubuntu:24.04\nENV CARGO_HOME=/usr/local/cargo RUSTUP_HOME=/usr/local/rustup\nUSER coder\nRUN curl -fsSL https://sh.rustup.rs | sh -s -- -y\n", 0, ""},
		{"rustup with CARGO_HOME exported inline", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN export CARGO_HOME=/opt/cargo && curl -fsSL https://sh.rustup.rs | sh -s -- -y\n", 0, ""},
		{"rustup installer downloaded, not run", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -fsSLo /tmp/rustup.sh https://sh.rustup.rs\n", 0, ""},
		{"pipx ensurepath", "CR115", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN pipx install poetry && pipx ensurepath\n", 4, "/home/dev/.local/bin"},
		{"pipx with PIPX_BIN_DIR", "CR115", "FROM ubuntu:24.04\nENV PIPX_HOME=/opt/pipx PIPX_BIN_DIR=/usr/local/bin\nUSER coder\nRUN pipx install poetry && pipx ensurepath\n", 0, ""},
		{"pip --user", "CR115", "FROM python:3.12\nUSER coder\nRUN pip install --user black\n", 3, "/home/coder/.local"},
		{"nvm sourced from the home", "CR115", "FROM ubuntu:24.04\nUSER coder\nWORKDIR /home/coder\nRUN bash -c '. .nvm/nvm.sh && nvm install 20'\n", 4, "/home/coder/.nvm"},
		{"nvm sourced from /usr/local", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN bash -c '. /usr/local/share/nvm/nvm.sh && nvm install 20'\n", 0, ""},
		{"nvm of unknown place", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN nvm install 20\n", 0, ""},
		{"nvm install script piped", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.39.7/install.sh | bash\n", 3, "/home/coder/.nvm"},
		{"sdkman as root", "CR114", "FROM ubuntu:24.04\nRUN curl -s https://get.sdkman.io | bash\nRUN useradd -m dev\nUSER dev\n", 2, "/root/.sdkman"},
		{"helm repo add as the user", "CR115", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN helm repo add bitnami https://charts.bitnami.com/bitnami\n", 4, "/home/dev/.config/helm"},
		{"helm with its config elsewhere", "CR115", "FROM ubuntu:24.04\nENV HELM_CONFIG_HOME=/etc/helm\nUSER coder\nRUN helm repo add x https://x\n", 0, ""},
		{"mise use -g as the user", "CR115", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN mise use -g node@20\n", 4, "/home/dev/.local/share/mise"},
		{"mise install with its data elsewhere", "CR115", "FROM ubuntu:24.04\nENV MISE_DATA_DIR=/opt/mise\nUSER coder\nRUN mise install\n", 0, ""},
		{"conda init as root", "CR114", "FROM ubuntu:24.04\nRUN conda init bash\nUSER coder\n", 2, "/root/.bashrc"},
		{"conda init as the user", "CR114", "FROM ubuntu:24.04\nUSER coder\nRUN conda init bash\n", 0, ""},
		{"git config --global as root", "CR114", "FROM ubuntu:24.04\nRUN git config --global core.autocrlf input\nRUN useradd -m dev\nUSER dev\n", 2, "/root/.gitconfig"},
		{"git config --system", "CR114", "FROM ubuntu:24.04\nRUN git config --system core.autocrlf input\nRUN useradd -m dev\nUSER dev\n", 0, ""},
		{"code-server extensions as the user", "CR115", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN code-server --install-extension ms-python.python\n", 4, "/home/dev/.local/share/code-server"},
		{"code-server extensions elsewhere", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN code-server --extensions-dir /opt/ext --install-extension ms-python.python\n", 0, ""},
		{"uv installer as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -LsSf https://astral.sh/uv/install.sh | sh\n", 3, "/home/coder/.local/bin"},
		{"a write into Gitpod's home", "CR115", "FROM gitpod/workspace-full:2024-05-20\nRUN echo 'export PATH=$HOME/.ghcup/bin:$PATH' >> /home/gitpod/.bashrc\n", 2, "/home/gitpod/.bashrc"},
		{"a relative COPY into code-server's WORKDIR", "CR115", "FROM codercom/code-server:4.9.0\nUSER coder\nCOPY settings.json .local/share/code-server/User/settings.json\n", 3, "/home/coder/.local/share/code-server/User/settings.json"},
		{"a relative COPY after the Dockerfile's own WORKDIR", "CR115", "FROM codercom/code-server:4.9.0\nWORKDIR /opt/app\nCOPY settings.json .local/settings.json\n", 0, ""},
		{"a relative COPY on a base whose WORKDIR is not known", "CR115", "FROM ubuntu:24.04\nUSER ubuntu\nCOPY settings.json .local/settings.json\n", 0, ""},
		{"mise's installer as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl https://mise.run | sh\n", 3, "/home/coder/.local/bin"},
		{"mise's installer to a system path", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl https://mise.run | MISE_INSTALL_PATH=/usr/local/bin/mise sh\n", 0, ""},
		{"Claude Code's installer as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -fsSL https://claude.ai/install.sh | bash\n", 3, "/home/coder/.local/bin"},
		{"swiftly init as the user", "CR115", "FROM ubuntu:24.04\nUSER ubuntu\nRUN /swiftly init --assume-yes --quiet-shell-followup\n", 3, "/home/ubuntu/.local/share/swiftly"},
		{"swiftly with its folders set", "CR115", "FROM ubuntu:24.04\nENV SWIFTLY_HOME_DIR=/opt/swiftly SWIFTLY_BIN_DIR=/usr/local/bin\nUSER ubuntu\nRUN swiftly init -y\n", 0, ""},
		{"Nix single-user as the user", "CR115", "FROM ubuntu:24.04\nUSER dev\nRUN curl -L https://nixos.org/nix/install | sh -s -- --no-daemon\n", 3, "/home/dev/.nix-profile"},
		{"Nix multi-user writes no home", "CR115", "FROM ubuntu:24.04\nUSER dev\nRUN curl -L https://nixos.org/nix/install | sh -s -- --daemon\n", 0, ""},
		{"pixi's installer as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -fsSL https://pixi.sh/install.sh | bash\n", 3, "/home/coder/.pixi"},
		{"pixi's installer to a system folder", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -fsSL https://pixi.sh/install.sh | PIXI_HOME=/opt/pixi bash\n", 0, ""},
		{"Poetry's installer piped into Python as root", "CR114", "FROM python:3.12\nRUN curl -sSL https://install.python-poetry.org | python3 - && ln -s /root/.local/bin/poetry /usr/local/bin/poetry\nRUN useradd -m dev\nUSER dev\n", 2, "/root/.local/share/pypoetry"},
		{"Poetry's installer with its home set", "CR114", "FROM python:3.12\nENV POETRY_HOME=/opt/poetry\nRUN curl -sSL https://install.python-poetry.org | python3 -\nRUN useradd -m dev\nUSER dev\n", 0, ""},
		{"Poetry's installer saved, not run", "CR114", "FROM python:3.12\nRUN curl -sSL https://install.python-poetry.org -o /tmp/install-poetry.py\nRUN useradd -m dev\nUSER dev\n", 0, ""},
		{"uv tool install as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN uv tool install ruff\n", 3, "/home/coder/.local/bin"},
		{"uv tool install into system folders", "CR115", "FROM ubuntu:24.04\nENV UV_TOOL_BIN_DIR=/usr/local/bin UV_TOOL_DIR=/opt/uv-tools\nUSER coder\nRUN uv tool install ruff\n", 0, ""},
		{"uv tool run writes nothing kept", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN uv tool run ruff --version\n", 0, ""},
		{"uv python install as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN uv python install 3.12\n", 3, "/home/coder/.local/share/uv/python"},
		{"solc-select as the user", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN solc-select install 0.8.24 && solc-select use 0.8.24\n", 3, "/home/coder/.solc-select"},
		{"solc-select in a virtual environment outside the home", "CR115", "FROM ubuntu:24.04\nENV VIRTUAL_ENV=/opt/venv\nUSER coder\nRUN solc-select install 0.8.24\n", 0, ""},
		{"uv installer to /usr/local/bin", "CR115", "FROM ubuntu:24.04\nUSER coder\nRUN curl -LsSf https://astral.sh/uv/install.sh | env UV_INSTALL_DIR=/usr/local/bin sh\n", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRule(t, tc.id, tc.src, nil)
			if tc.line == 0 {
				if len(got) != 0 {
					t.Fatalf("fired: %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Location.StartLine != tc.line || !strings.Contains(got[0].Message, tc.path) {
				t.Fatalf("want one finding on line %d naming %s, got %+v", tc.line, tc.path, got)
			}
		})
	}
}
