package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// RuleServiceImage is the note that a Dockerfile builds a service's image
// (an application server, a Java application, a program built in another
// stage, an image without a shell), not a workspace's: its warnings are
// lowered to info.
const RuleServiceImage = "CR127"

func init() {
	Register(&Rule{
		ID: RuleServiceImage, Title: "Service image, not a workspace: warnings lowered", Severity: SeverityInfo, Family: FamilyDockerfile,
		What: "A Dockerfile whose final stage is plainly a service's image: its ENTRYPOINT or CMD starts an application server " +
			"(`gunicorn`, `uvicorn`, `puma`, `rails server` with `RAILS_ENV=production`, …), a web server or proxy (`nginx`, `httpd`, `caddy`, `haproxy`, `envoy`, `php-fpm`), a Java " +
			"application (`java -jar app.jar`, Spring Boot's `JarLauncher`), or a program the Dockerfile compiled in another stage and " +
			"copied in (`COPY --from=builder /workspace/manager .` then `ENTRYPOINT [\"/manager\"]`), or it keeps the own command of a server's official image (`FROM nginx:alpine` with a site copied in), or the stage is built on an image " +
			"without a shell (distroless, Chainguard's but `wolfi-base`, `scratch`; not when the Dockerfile copies a shell in), or the file is a test's fixture " +
			"(in a `testdata` folder). A Dockerfile a devcontainer.json builds, one with a stage named for " +
			"working in (`dev`, `workspace`, `jupyter`, …), or one whose path names a dev container, workspace, Gitpod, IDE or " +
			"development image is never one. One note per target says why; the target's other warnings are lowered to info " +
			"(errors stay: the build fails either way). Config `check-service-images: true` keeps their severity.",
		Why: "A Coder template replaces the image's command with the agent's init script and needs a shell to run it: an image " +
			"made to run one service is not a workspace candidate, and its root user, moving tags and entrypoint are the " +
			"service's business. Warnings on it bury the ones on the images a template does use." + cite("bootstrap", "templates"),
		HowToFix: "Nothing to fix when the image is a service's. If a template does use it as a workspace image, set " +
			"`check-service-images: true` in `.coderready.yaml` to judge it as one.",
		Sources: []string{"bootstrap", "templates"},
		// The scan reports this itself, for the final stage it judges.
		Dockerfile: func(*DockerfileInput) []Finding { return nil },
	})
}

// workspacePath is a path, or a stage name, that says the image is for
// working in.
var workspacePath = regexp.MustCompile(`(?i)dev|workspace|workstation|jupyter|notebook|codespace|vscode|code-?server|toolbox|sandbox|gitpod|coder|(?:^|[-_./])(?:lab|ide)(?:$|[-_./])`)

// serverImages are Docker Official images whose own command starts a
// server.
var serverImages = []string{"nginx", "httpd", "caddy", "haproxy", "traefik", "postgres", "mysql", "mariadb", "mongo", "redis",
	"rabbitmq", "memcached", "tomcat", "jetty", "wordpress", "ghost", "drupal", "joomla", "nextcloud", "matomo"}

// railsServer reports whether a command starts Rails's server: `rails
// server`, `bin/rails s`, also behind `bundle exec` or Thruster
// (`./bin/thrust ./bin/rails server`).
func railsServer(words []string) bool {
	for len(words) > 0 {
		switch b := path.Base(words[0]); {
		case b == "bundle" && len(words) > 1 && words[1] == "exec":
			words = words[2:]
		case b == "thrust":
			words = words[1:]
		case b == "rails" && len(words) > 1 && (words[1] == "server" || words[1] == "s"):
			return true
		default:
			return false
		}
	}
	return false
}

// productionRails reports whether the final stage sets
// `RAILS_ENV=production`: a development image runs `rails server` too,
// with the repository mounted.
func (v *dfView) productionRails() bool {
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd != "env" {
			continue
		}
		for _, kv := range ins.Env {
			if kv.Key == "RAILS_ENV" && strings.Trim(kv.Value, `"'`) == "production" {
				return true
			}
		}
	}
	return false
}

// webServers are web servers and proxies an image runs as its service.
var webServers = []string{"nginx", "httpd", "httpd-foreground", "apache2-foreground", "apache2ctl", "caddy", "haproxy", "envoy",
	"traefik", "lighttpd", "php-fpm", "openresty"}

// ServiceImage returns the note (CR127) for a Dockerfile whose final stage
// is plainly a service's image, and whether it is one: see the rule's
// text for the signs and what is never one.
func ServiceImage(in *DockerfileInput) (Finding, bool) {
	if in.Config != nil && in.Config.CheckServiceImages || in.Devcontainer != nil || in.DevcontainerImage != "" {
		return Finding{}, false
	}
	v := newView(in)
	if v == nil || v.final == nil || workspacePath.MatchString(v.path()) {
		return Finding{}, false
	}
	if slices.ContainsFunc(v.f.Stages, func(s *dockerfile.Stage) bool { return s.Name != "" && workspacePath.MatchString(s.Name) }) {
		return Finding{}, false
	}
	why, at := v.serviceSign()
	if why == "" && slices.Contains(strings.Split(path.Dir(v.path()), "/"), "testdata") {
		why, at = "it sits in a `testdata` folder, as a test's fixture", v.final.From
	}
	if why == "" {
		return Finding{}, false
	}
	return Finding{RuleID: RuleServiceImage, Severity: SeverityInfo, Evidence: EvidenceFile,
		Message: fmt.Sprintf("this looks like a service's image, not a workspace's: %s; its warnings are lowered to info "+
			"(config `check-service-images: true` keeps them)", why),
		Location: v.instLoc(at)}, true
}

// serviceSign is what says the final stage is a service's image, and the
// instruction that says it; "" when nothing does.
func (v *dfView) serviceSign() (string, *dockerfile.Instruction) {
	final := v.final
	if ref := v.rootRef(final); v.noShell(final) {
		return fmt.Sprintf("it is built on `%s`, which has no shell for the agent's init script", ref), final.From
	}
	// The ENTRYPOINT, else the CMD it runs (`docker-php-entrypoint`
	// then `CMD ["php-fpm"]`).
	entry, cmd := v.finalCommand()
	if entry == nil && cmd == nil {
		// The base's own command: a server's official image (`FROM
		// nginx:alpine` with the site copied in).
		if r := ParseImageRef(v.rootRef(final)); r.Registry == "" && slices.Contains(serverImages, r.Repository) ||
			r.Registry == "" && r.Repository == "php" && tagHas(r.Tag, "fpm", "apache") {
			return "it keeps `" + r.Name() + "`'s own command, which starts its server", final.From
		}
		return "", nil
	}
	for _, at := range []*dockerfile.Instruction{entry, cmd} {
		if at == nil {
			continue
		}
		if why := v.commandService(at); why != "" {
			return why, at
		}
	}
	return "", nil
}

// commandService is what says the ENTRYPOINT or CMD at starts a service,
// "" when nothing does.
func (v *dfView) commandService(at *dockerfile.Instruction) string {
	words := commandWords(at)
	if len(words) > 0 && slices.Contains(minimalInits, path.Base(words[0])) {
		words = initWrapped(words)
	}
	// `sh -c "java ${JAVA_OPTS} -jar app.jar"`: the script's words.
	if len(words) >= 3 && slices.Contains(shells, path.Base(words[0])) && words[1] == "-c" {
		words = strings.Fields(words[2])
	}
	for len(words) > 0 && (words[0] == "exec" || strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-")) {
		words = words[1:]
	}
	if len(words) == 0 {
		return ""
	}
	prog := strings.Trim(words[0], `"'`)
	base := path.Base(prog)
	if slices.Contains(shells, base) || base == "busybox" {
		return "" // a shell serves nothing
	}
	if i := slices.IndexFunc(words, javaApp); base == "java" && i > 0 {
		shown := "java … " + words[i]
		if words[i] == "-jar" && i+1 < len(words) {
			shown += " " + words[i+1]
		}
		return "its " + strings.ToUpper(at.Cmd) + " starts a Java application (`" + shown + "`)"
	}
	switch {
	case slices.Contains(appServers, base):
		return "its " + strings.ToUpper(at.Cmd) + " starts the application server `" + base + "`"
	case railsServer(words) && v.productionRails():
		return "its " + strings.ToUpper(at.Cmd) + " starts the Rails server (`" + strings.Join(words, " ") + "`)"
	case slices.Contains(webServers, base) || strings.HasPrefix(base, "php-fpm"):
		return "its " + strings.ToUpper(at.Cmd) + " starts the server `" + base + "`"
	}
	if stage := v.builtIn(prog); stage != "" {
		return "its " + strings.ToUpper(at.Cmd) + " runs `" + prog + "`, a program built in stage `" + stage + "`"
	}
	return ""
}

// javaApp reports whether a java word names the application it runs: `-jar`
// (the jar follows) or Spring Boot's launcher class.
func javaApp(w string) bool {
	return w == "-jar" || strings.Contains(w, "JarLauncher") || strings.Contains(w, "springframework.boot.loader")
}

// noShell reports whether the chain of s ends in an image without a shell
// (shellless): one that copies a shell in (`COPY --from=busybox
// /bin/sh /bin/`, NVIDIA's distroless exporter) or a whole system into
// `scratch` has one.
func (v *dfView) noShell(s *dockerfile.Stage) bool {
	ref := v.rootRef(s)
	if !shellless(ref) || strings.EqualFold(ref, "scratch") && v.copiesSystem(s) {
		return false
	}
	for _, ins := range v.instructions(s) {
		if ins.Cmd != "copy" && ins.Cmd != "add" || len(ins.Args) < 2 {
			continue
		}
		for _, a := range ins.Args {
			if b := path.Base(strings.Trim(a, `"'`)); slices.Contains(shells, b) || b == "busybox" {
				return false
			}
		}
	}
	return true
}

// builtIn returns the stage the final stage copies the program prog from
// (`COPY --from=builder /workspace/manager .` with `WORKDIR /`, then
// `ENTRYPOINT ["/manager"]`; `COPY --from=build /src/lazygit /bin/`, then
// `ENTRYPOINT ["lazygit"]`), "" when it copies it from none.
func (v *dfView) builtIn(prog string) string {
	progs := []string{prog}
	if !path.IsAbs(prog) {
		progs = nil
		if strings.Contains(prog, "/") {
			// From the WORKDIR it runs in (`bin/teslamate`).
			progs = append(progs, path.Join(max(v.workdirAt(v.final, nil), "/"), prog))
		} else {
			for _, d := range pathDirs {
				progs = append(progs, path.Join(d, prog))
			}
		}
	}
	for _, ins := range v.instructions(v.final) {
		from, ok := ins.Flag("from")
		if ins.Cmd != "copy" || !ok || len(ins.Args) < 2 {
			continue
		}
		st := v.stageRef(from)
		if st == nil {
			continue
		}
		dest := path.Clean(v.copyDest(v.final, ins))
		for _, src := range ins.Args[:len(ins.Args)-1] {
			src = strings.Trim(src, `"'`)
			// The program itself, or a program under a folder the copy
			// fills (a release: `COPY --from=builder /opt/built .`, then
			// `CMD bin/teslamate start`).
			named := slices.Contains(progs, dest) || slices.Contains(progs, path.Join(dest, path.Base(src))) ||
				path.Ext(src) == "" && slices.ContainsFunc(progs, func(p string) bool { return strings.HasPrefix(p, strings.TrimSuffix(dest, "/")+"/") })
			if named && v.compiles(st) {
				return from
			}
		}
	}
	return ""
}

// compileCommand is a RUN that compiles the project (`go build`, `cargo
// build`, `make`, `mvn package`, `npm run build`, …), as a builder stage
// does; a stage that only downloads a tool (sbt's) makes no program of
// the project's.
var compileCommand = regexp.MustCompile(`\b(?:go (?:build|install)|cargo (?:build|install)|make\b|cmake --build|ninja\b|mvn\b|\./mvnw|gradle\b|\./gradlew|(?:npm|yarn|pnpm) (?:run )?build|dotnet (?:publish|build)|zig build|swift build|stack (?:build|install)|cabal (?:build|install)|mix (?:release|compile)|gcc\b|g\+\+|clang\b|rustc\b|javac\b|nuitka|pyinstaller|bun build|deno compile)`)

// compiles reports whether the stage st (or a stage its chain builds
// on) compiles something.
func (v *dfView) compiles(st *dockerfile.Stage) bool {
	for _, c := range v.chain(st) {
		for _, ins := range c.Instructions {
			if ins.Cmd == "run" && compileCommand.MatchString(v.f.Text(ins.StartLine, ins.EndLine)) {
				return true
			}
		}
	}
	return false
}

// LowerForService lowers a service image's warnings to info (CR127): what
// its rules say matters only if a template uses it as a workspace image.
// Errors stay.
func LowerForService(fs []Finding) []Finding {
	for i := range fs {
		if fs[i].Severity == SeverityWarning {
			fs[i].Severity = SeverityInfo
		}
	}
	return fs
}
