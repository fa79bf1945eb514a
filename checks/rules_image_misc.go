package checks

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
)

// The remaining image rules: an image that cannot be built or read
// (CR300), /tmp (CR314), the size budget (CR315), services in the
// image's command (CR321) and the locale (CR322).

func init() {
	Register(&Rule{
		ID: "CR300", Title: "Image cannot be built or read", Severity: SeverityError, Family: FamilyImage,
		What: "The image could not be built, or could not be read once built or pulled. A build failure sits on the failing Dockerfile line " +
			"with the end of the build log; a read failure names the reason (a missing image, a corrupt layer, a limit).",
		Why:      "Nothing else about the image can be checked, and Coder cannot start a workspace from an image that does not build or pull. " + cite("seed"),
		HowToFix: "Read the reason and the log tail in the finding.",
		Sources:  []string{"seed"},
		// The scan reports this itself, where a build or read fails.
		Image: func(*ImageInput) []Finding { return nil },
	})
	Register(&Rule{
		ID: "CR314", Title: "/tmp missing or not 1777", Severity: SeverityError, Family: FamilyImage,
		What:     "`/tmp` does not exist, is not a directory, or its mode is not 1777.",
		Why:      "The bootstrap script makes its work directory with `mktemp -d` under /tmp, as whatever user the workspace runs as, and executes the agent from it. " + cite("bootstrap"),
		HowToFix: "`RUN mkdir -p /tmp && chmod 1777 /tmp`",
		Sources:  []string{"bootstrap"},
		Image:    checkCR314,
	})
	Register(&Rule{
		ID: "CR315", Title: "Over the size or layer budget", Severity: SeverityInfo, Family: FamilyImage, ConfigOnly: true,
		What: "The image is larger (uncompressed) than config's `image.max-size`, or has more layers than `image.max-layers`. " +
			"The finding lists the largest layers and the instruction that made each.",
		Why:      "Coder's image guidance: keep golden images few and lean; every workspace start pulls the image. " + cite("seed"),
		HowToFix: "Shrink the largest layers: clean package caches in the same RUN, use multi-stage builds, drop what developers do not need.",
		Sources:  []string{"seed"},
		Image:    checkCR315,
	})
	Register(&Rule{
		ID: "CR321", Title: "ENTRYPOINT or CMD starts services", Severity: SeverityInfo, Family: FamilyImage,
		What:     "The image's ENTRYPOINT or CMD starts services (`dockerd`, `/sbin/init`, systemd, `supervisord`, `sshd`).",
		Why:      "Coder's templates replace the container's command with `sh -c <init script>`: the image's ENTRYPOINT and CMD never run, so the services never start. " + cite("templates"),
		HowToFix: "Start them from the template's startup script (`coder_script`), with sudo where needed.",
		Sources:  []string{"templates"},
		Image:    checkCR321,
	})
	Register(&Rule{
		ID: "CR322", Title: "Locale not installed", Severity: SeverityInfo, Family: FamilyImage,
		What: "`LANG` or `LC_ALL` names a locale that is not installed: no `/usr/lib/locale/<name>` (codeset spelled either way). " +
			"`C`, `C.UTF-8` and `POSIX` always are. Not judged when the image has a compiled `/usr/lib/locale/locale-archive` " +
			"(its contents are not read) or uses musl, which needs no locale files.",
		Why:      "Shells and tools warn on every start and fall back to C when the locale is missing; some IDE servers refuse to start. " + cite("seed"),
		HowToFix: "Use `C.UTF-8`, or install and generate the locale (Debian: `locales` and `localedef`; RHEL: `glibc-langpack-<lang>`).",
		Sources:  []string{"seed"},
		Image:    checkCR322,
	})
}

func checkCR314(in *ImageInput) []Finding {
	v := newImgView(in)
	f, ok := in.Facts.Stat("/tmp")
	if ok && f.IsDir() && f.Mode&0o7777 == 0o1777 {
		return nil
	}
	if in.BaseOnly {
		for _, c := range v.chainCommands() {
			if n := path.Base(c.Name); (n == "chmod" || n == "mkdir") && slices.Contains(c.Args, "/tmp") {
				return nil
			}
		}
	}
	msg := "/tmp does not exist in " + v.subject()
	switch {
	case ok && !f.IsDir():
		msg = "/tmp is not a directory in " + v.subject()
	case ok:
		msg = fmt.Sprintf("/tmp has mode %04o in %s, not 1777", f.Mode&0o7777, v.subject())
	}
	return []Finding{{Message: msg + ": the agent bootstrap script cannot make its work directory", Location: v.fromLoc(),
		Fix: v.runFix("make /tmp world-writable and sticky", "mkdir -p /tmp && chmod 1777 /tmp", false)}}
}

func checkCR315(in *ImageInput) []Finding {
	v := newImgView(in)
	var over []string
	if m := in.Config.MaxImageSize; m > 0 && in.Facts.Size > m {
		over = append(over, fmt.Sprintf("%s, over the budget of %s", HumanBytes(in.Facts.Size), HumanBytes(m)))
	}
	if m := in.Config.MaxLayers; m > 0 && len(in.Facts.Layers) > m {
		over = append(over, fmt.Sprintf("%d layers, over the budget of %d", len(in.Facts.Layers), m))
	}
	if len(over) == 0 {
		return nil
	}
	type layer struct {
		i int
		l image.Layer
	}
	layers := make([]layer, len(in.Facts.Layers))
	for i, l := range in.Facts.Layers {
		layers[i] = layer{i, l}
	}
	slices.SortStableFunc(layers, func(a, b layer) int { return cmp.Compare(b.l.Size, a.l.Size) })
	var details []string
	for _, l := range layers[:min(5, len(layers))] {
		by := strings.TrimSpace(strings.TrimPrefix(l.l.CreatedBy, "/bin/sh -c "))
		if by == "" {
			by = l.l.DiffID
		}
		if len(by) > 100 {
			by = by[:97] + "..."
		}
		details = append(details, fmt.Sprintf("%9s  layer %d  %s", HumanBytes(l.l.Size), l.i+1, by))
	}
	return []Finding{{Message: v.subject() + " is " + strings.Join(over, "; "), Location: v.fromLoc(),
		Details: "largest layers:\n" + strings.Join(details, "\n"),
		Fix:     &Fix{Description: "shrink the largest layers: clean package caches in the same RUN, use multi-stage builds, drop what is not needed"}}}
}

// serviceWords are the programs in an ENTRYPOINT/CMD that start services.
var serviceWords = []string{"dockerd", "dockerd-entrypoint.sh", "init", "systemd", "supervisord", "sshd"}

// startsServices returns the service program a command line starts, if any.
func startsServices(words []string) (string, bool) {
	for _, w := range words {
		for _, f := range strings.Fields(w) {
			b := path.Base(f)
			if b == "init" && f != "/sbin/init" && f != "/usr/sbin/init" {
				continue
			}
			if slices.Contains(serviceWords, b) {
				return f, true
			}
		}
	}
	return "", false
}

func checkCR321(in *ImageInput) []Finding {
	v := newImgView(in)
	// The Dockerfile's own ENTRYPOINT/CMD, when there is one.
	var last *dockerfile.Instruction
	if v.df != nil {
		for _, ins := range v.df.instructions(v.df.final) {
			if ins.Cmd == "entrypoint" || ins.Cmd == "cmd" {
				last = ins
			}
		}
	}
	if in.BaseOnly && last != nil {
		return nil // the built image runs the Dockerfile's command
	}
	words := append(slices.Clone(in.Facts.Config.Entrypoint), in.Facts.Config.Cmd...)
	svc, ok := startsServices(words)
	if !ok {
		return nil
	}
	loc := v.fromLoc()
	if last != nil {
		for _, ins := range v.df.instructions(v.df.final) {
			if (ins.Cmd == "entrypoint" || ins.Cmd == "cmd") && strings.Contains(ins.Original, path.Base(svc)) {
				loc = v.df.instLoc(ins)
			}
		}
	}
	return []Finding{{Message: fmt.Sprintf("the image's command `%s` starts `%s`, which will not run under Coder (templates replace the command)", strings.Join(words, " "), svc),
		Location: loc, Fix: &Fix{Description: fmt.Sprintf("start `%s` from the template's startup script (`coder_script`), with sudo where needed", path.Base(svc))}}}
}

func checkCR322(in *ImageInput) []Finding {
	v := newImgView(in)
	if in.Facts.Libc.Kind == image.LibcMusl {
		return nil
	}
	if _, ok := in.Facts.Stat("/usr/lib/locale/locale-archive"); ok {
		return nil
	}
	if v.baseOnlyRuns("locale-gen", "localedef") || v.baseOnlyInstalls("locales", "locales-all", "glibc-all-langpacks", "glibc-locale-source") {
		return nil
	}
	var out []Finding
	for _, key := range []string{"LC_ALL", "LANG"} {
		val, ok := in.Facts.Config.Getenv(key)
		if !ok || localeAvailable(in.Facts, val) {
			continue
		}
		if in.BaseOnly && v.df != nil && dockerfileSetsEnv(v, key) {
			continue
		}
		out = append(out, Finding{Message: fmt.Sprintf("%s=%s names a locale %s does not have", key, val, v.subject()), Location: v.fromLoc(),
			Fix: localeFix(v, key, val)})
	}
	return out
}

// dockerfileSetsEnv reports whether the final stage's chain sets key.
func dockerfileSetsEnv(v *imgView, key string) bool {
	for _, ins := range v.df.instructions(v.df.final) {
		if ins.Cmd != "env" {
			continue
		}
		for _, kv := range ins.Env {
			if kv.Key == key {
				return true
			}
		}
	}
	return false
}

// localeFix generates the locale with the image's package manager.
func localeFix(v *imgView, key, name string) *Fix {
	lang, codeset, _ := strings.Cut(name, ".")
	codeset, _, _ = strings.Cut(codeset, "@")
	if codeset == "" {
		codeset = "UTF-8"
	}
	alt := fmt.Sprintf("or set %s=C.UTF-8", key)
	switch m := v.manager(); m {
	case PMApt:
		f := v.runFix("generate the locale", fmt.Sprintf("%s && localedef -i %s -f %s %s", InstallLine(m, "locales"), lang, codeset, name), false)
		f.Description += " (" + alt + ")"
		return f
	case PMDnf, PMYum, PMMicrodnf, PMTdnf:
		l, _, _ := strings.Cut(lang, "_")
		f := v.installFix("install the language pack", "glibc-langpack-"+l)
		f.Description += " (" + alt + ")"
		return f
	}
	return &Fix{Description: fmt.Sprintf("generate the locale %s in the image, %s", name, alt)}
}

// builtinLocale reports whether a locale name is one every glibc image
// has without generating it (or none at all): C, POSIX and C.UTF-8, its
// codeset spelled any way glibc reads it (`C.utf8`, `C.utf-8`).
func builtinLocale(name string) bool {
	base, codeset, _ := strings.Cut(name, ".")
	switch {
	case name == "" || name == "C" || name == "POSIX":
		return true
	case base == "C":
		return strings.ToLower(strings.ReplaceAll(codeset, "-", "")) == "utf8"
	}
	return false
}

// localeAvailable reports whether a locale name is usable in the image.
func localeAvailable(f *image.Facts, name string) bool {
	if builtinLocale(name) {
		return true
	}
	base, codeset, _ := strings.Cut(name, ".")
	codeset, mod, hasMod := strings.Cut(codeset, "@")
	norm := strings.ToLower(strings.ReplaceAll(codeset, "-", ""))
	cands := []string{name, base + "." + codeset, base + "." + norm, base}
	if hasMod {
		cands = append(cands, base+"."+norm+"@"+mod, base+"@"+mod)
	}
	for _, c := range cands {
		if _, ok := f.Stat("/usr/lib/locale/" + c); ok {
			return true
		}
	}
	return false
}
