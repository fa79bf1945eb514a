package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/coderready/coderready/image"
)

func init() {
	Register(&Rule{
		ID: "CR315", Title: "Over the size or layer budget", Severity: SeverityInfo, Family: FamilyImage, ConfigOnly: true,
		What:     "The image is larger than config's `image.max-size`, or has more layers than `image.max-layers`. The finding lists the largest layers.",
		Why:      "Coder's image guidance: keep golden images few and lean; every workspace start pulls the image.",
		HowToFix: "Shrink the largest layers: clean package caches in the same RUN, use multi-stage builds, drop what developers do not need.",
		Sources:  []string{"seed"},
		Image: func(in *ImageInput) []Finding {
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
			layers := slices.Clone(in.Facts.Layers)
			slices.SortStableFunc(layers, func(a, b image.Layer) int { return cmp.Compare(b.Size, a.Size) })
			var details []string
			for _, l := range layers[:min(5, len(layers))] {
				by := l.CreatedBy
				if by == "" {
					by = l.DiffID
				}
				details = append(details, fmt.Sprintf("%9s  %s", HumanBytes(l.Size), by))
			}
			return []Finding{{Message: "the image is " + strings.Join(over, "; "), Location: v.fromLoc(),
				Details: "largest layers:\n" + strings.Join(details, "\n")}}
		},
	})
	Register(&Rule{
		ID: "CR322", Title: "Locale not installed", Severity: SeverityInfo, Family: FamilyImage,
		What:     "`LANG` or `LC_ALL` names a locale that is not installed (C, C.UTF-8 and POSIX always are). Only judged when the image has no compiled `locale-archive`, whose contents are not read.",
		Why:      "Shells and tools warn on every start and fall back to C when the locale is missing; some IDE servers refuse to start.",
		HowToFix: "Use `C.UTF-8`, or install and generate the locale (`locales` + `locale-gen`).",
		Sources:  []string{"seed"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if _, ok := in.Facts.Stat("/usr/lib/locale/locale-archive"); ok {
				return nil
			}
			var out []Finding
			for _, key := range []string{"LC_ALL", "LANG"} {
				val, ok := in.Facts.Config.Getenv(key)
				if !ok || localeAvailable(in.Facts, val) {
					continue
				}
				out = append(out, Finding{Message: fmt.Sprintf("%s=%s names a locale the image does not have", key, val), Location: v.fromLoc(),
					Fix: &Fix{Description: fmt.Sprintf("set %s=C.UTF-8, or install it (apt: `locales` and `locale-gen %s`)", key, val)}})
			}
			return out
		},
	})
	Register(&Rule{
		ID: "CR324", Title: "Dev Container host lacks docker or the devcontainer CLI", Severity: SeverityWarning, Family: FamilyImage,
		Builders: []Builder{BuilderNative}, ConfigOnly: true,
		What:     "With config `image.role: devcontainer-host`, the image lacks the `docker` CLI, `dockerd`, or the Dev Containers CLI (`devcontainer`, with `npm`).",
		Why:      "Coder's native integration runs Dev Containers inside the workspace with Docker and the devcontainers CLI.",
		HowToFix: "Install docker (CLI and daemon) and `npm install -g @devcontainers/cli`.",
		Sources:  []string{"native"},
		Image: func(in *ImageInput) []Finding {
			if in.Config.ImageRole != RoleDevcontainerHost {
				return nil
			}
			v := newImgView(in)
			miss := v.missing("docker", "dockerd", "devcontainer", "npm")
			if len(miss) == 0 {
				return nil
			}
			return []Finding{{Message: fmt.Sprintf("an image meant to host Dev Containers lacks %s", tick(miss)), Location: v.fromLoc(),
				Fix: &Fix{Description: "install docker (CLI and daemon) and the Dev Containers CLI: `npm install -g @devcontainers/cli`"}}}
		},
	})
}

// localeAvailable reports whether a locale name is usable in the image.
func localeAvailable(f *image.Facts, name string) bool {
	switch name {
	case "", "C", "POSIX", "C.UTF-8", "C.utf8":
		return true
	}
	base, codeset, _ := strings.Cut(name, ".")
	for _, cand := range []string{name, base + "." + strings.ToLower(strings.ReplaceAll(codeset, "-", "")), base} {
		if _, ok := f.Stat("/usr/lib/locale/" + cand); ok {
			return true
		}
	}
	return false
}
