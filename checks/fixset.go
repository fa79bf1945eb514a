package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// ReconcileFixes makes the fixes of fs one consistent change, so that any
// of them, or all of them together, can be applied: afterwards two edits of
// any two fixes are either the same edit or touch no common line. read
// returns a file's contents (the files the edits were written against).
//
// Fixes are taken most severe first, then in the order of fs. An edit that
// touches a line an earlier fix edits is combined with it when both can
// be made at once:
//
//   - package names added to the same install command become one addition,
//     each package once, none the command already names;
//   - lines inserted before or after the same line are all inserted, a
//     block inserted twice once, and two `RUN <install>` lines the fixes
//     write become one with every package;
//   - changes to different parts of one line are all made.
//
// Every fix whose edit was combined gets the combined edit (so each still
// works alone) and says so in its description. A fix that cannot be
// combined (it edits those lines differently) loses its edits, all of them,
// and its description says which fix it conflicts with. Fixes without
// edits, and findings, are otherwise left as they are; fs is not modified.
func ReconcileFixes(fs []Finding, read func(path string) ([]byte, error)) []Finding {
	out := slices.Clone(fs)
	order := make([]int, 0, len(fs))
	for i, f := range fs {
		if f.Fix != nil && len(f.Fix.Edits) > 0 {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return out
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(fs[b].Severity, fs[a].Severity) })
	set := &fixSet{read: read, files: map[string]*fixFile{}, findings: fs}
	dropped := map[int]string{}
	for _, i := range order {
		if why := set.add(i, fs[i].Fix.Edits); why != "" {
			dropped[i] = why
		}
	}
	for _, i := range order {
		fix := *fs[i].Fix
		if why, ok := dropped[i]; ok {
			fix.Edits = nil
			fix.Description = strings.TrimSpace(fix.Description + " (" + why + ")")
			out[i].Fix = &fix
			continue
		}
		var with []int
		fix.Edits = make([]Edit, len(fs[i].Fix.Edits))
		for k, e := range fs[i].Fix.Edits {
			s := set.slotOf(i, k)
			fix.Edits[k] = s.merged
			if sameEdit(e, s.merged) {
				continue
			}
			// Named: the fixes that brought something this one lacks.
			for _, p := range s.parts {
				if p.owner != i && !sameEdit(p.edit, e) && !slices.Contains(with, p.owner) {
					with = append(with, p.owner)
				}
			}
		}
		if len(with) > 0 {
			slices.SortFunc(with, func(a, b int) int {
				return cmp.Or(cmp.Compare(fs[a].Location.StartLine, fs[b].Location.StartLine), cmp.Compare(a, b))
			})
			var names []string
			for _, o := range with[:min(len(with), maxNamed)] {
				names = append(names, fixName(fs[o]))
			}
			if len(with) > maxNamed {
				names = append(names, fmt.Sprintf("%d more", len(with)-maxNamed))
			}
			what := "the fix for "
			if len(names) > 1 {
				what = "the fixes for "
			}
			fix.Description = strings.TrimSpace(fix.Description + " (one edit with " + what + joinAnd(names) + ")")
		}
		out[i].Fix = &fix
	}
	return out
}

// maxNamed bounds the fixes a description names as combined with it.
const maxNamed = 3

// fixName names a finding's fix in another fix's description: "CR104 on
// line 3".
func fixName(f Finding) string {
	if f.Location.StartLine > 0 {
		return fmt.Sprintf("%s on line %d", f.RuleID, f.Location.StartLine)
	}
	return f.RuleID
}

// joinAnd joins names as "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// sameEdit reports whether two edits make the same change.
func sameEdit(a, b Edit) bool {
	return a.Path == b.Path && a.StartLine == b.StartLine && a.EndLine == b.EndLine && a.Delete == b.Delete && (a.Delete || a.Text == b.Text)
}

// fixSet is the change being built: per file, the slots of lines edited.
type fixSet struct {
	read     func(path string) ([]byte, error)
	files    map[string]*fixFile
	findings []Finding
}

// fixFile is one file's original lines and the edits made to it.
type fixFile struct {
	// lines are the file's lines ("\r" removed); nil when it could not be
	// read, and then only identical edits combine.
	lines []string
	// df is the file parsed as a Dockerfile, for package additions (nil
	// when it is not one); parsed on first need.
	df      *dockerfile.File
	dfTried bool
	path    string
	slots   []*fixSlot
}

// fixSlot is one run of lines and the edits of it, combined into merged.
type fixSlot struct {
	start, end int
	parts      []slotPart
	merged     Edit
}

// slotPart is one fix's edit of a slot: the owner is the finding's index,
// k the edit's index in its fix.
type slotPart struct {
	owner, k int
	edit     Edit
}

// file returns a path's file, reading it on first use.
func (s *fixSet) file(path string) *fixFile {
	f := s.files[path]
	if f == nil {
		f = &fixFile{path: path}
		if src, err := s.read(path); err == nil {
			f.lines = strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
			if len(src) == 0 {
				f.lines = []string{}
			}
			for i, l := range f.lines {
				f.lines[i] = strings.TrimSuffix(l, "\r")
			}
		}
		s.files[path] = f
	}
	return f
}

// slotOf returns the slot that holds edit k of finding i.
func (s *fixSet) slotOf(i, k int) *fixSlot {
	e := s.findings[i].Fix.Edits[k]
	for _, sl := range s.file(e.Path).slots {
		for _, p := range sl.parts {
			if p.owner == i && p.k == k {
				return sl
			}
		}
	}
	panic("checks: an edit of a kept fix has no slot")
}

// add takes finding i's edits into the set, all or none: it returns why
// not ("" when they were taken).
func (s *fixSet) add(i int, edits []Edit) string {
	type change struct {
		f    *fixFile
		slot *fixSlot // nil: a new slot
		part slotPart
		out  Edit
	}
	var changes []change
	pending := map[*fixSlot][]slotPart{}
	for k, e := range edits {
		f := s.file(e.Path)
		if e.StartLine < 1 || e.EndLine < e.StartLine || f.lines != nil && e.EndLine > len(f.lines) {
			return fmt.Sprintf("no edit: lines %d-%d are not in %s", e.StartLine, e.EndLine, e.Path)
		}
		for _, o := range edits[:k] {
			if o.Path == e.Path && e.StartLine <= o.EndLine && o.StartLine <= e.EndLine {
				return "no edit: its edits overlap"
			}
		}
		part := slotPart{owner: i, k: k, edit: e}
		var hit *fixSlot
		for _, sl := range f.slots {
			if e.StartLine <= sl.end && sl.start <= e.EndLine {
				if hit != nil || sl.start != e.StartLine || sl.end != e.EndLine {
					return conflictWhy(s.findings, e, sl)
				}
				hit = sl
			}
		}
		if hit == nil {
			changes = append(changes, change{f: f, part: part, out: e})
			continue
		}
		parts := append(slices.Clone(hit.parts), pending[hit]...)
		parts = append(parts, part)
		m, ok := f.merge(hit.start, hit.end, parts)
		if !ok {
			return conflictWhy(s.findings, e, hit)
		}
		pending[hit] = append(pending[hit], part)
		changes = append(changes, change{f: f, slot: hit, part: part, out: m})
	}
	for _, c := range changes {
		if c.slot == nil {
			c.f.slots = append(c.f.slots, &fixSlot{start: c.part.edit.StartLine, end: c.part.edit.EndLine, parts: []slotPart{c.part}, merged: c.out})
			continue
		}
		c.slot.parts = append(c.slot.parts, c.part)
		c.slot.merged = c.out
	}
	return ""
}

// conflictWhy says which fix an edit conflicts with.
func conflictWhy(fs []Finding, e Edit, sl *fixSlot) string {
	lines := fmt.Sprintf("line %d", e.StartLine)
	if e.EndLine > e.StartLine {
		lines = fmt.Sprintf("lines %d-%d", e.StartLine, e.EndLine)
	}
	return fmt.Sprintf("no edit: it changes %s, which the fix for %s changes differently", lines, fixName(fs[sl.parts[0].owner]))
}

// merge combines the edits of one run of lines into one, or reports that
// they conflict.
func (f *fixFile) merge(start, end int, parts []slotPart) (Edit, bool) {
	first := parts[0].edit
	same := true
	for _, p := range parts[1:] {
		same = same && sameEdit(first, p.edit)
	}
	if same {
		return first, true
	}
	if start != end || f.lines == nil {
		return Edit{}, false
	}
	for _, p := range parts {
		if p.edit.Delete {
			return Edit{}, false
		}
	}
	orig := f.lines[start-1]
	texts := make([]string, len(parts))
	for k, p := range parts {
		texts[k] = p.edit.Text
	}
	texts, ok := f.mergePackages(start, orig, texts)
	if !ok {
		return Edit{}, false
	}
	text, ok := mergeLine(orig, texts, f.continues(orig))
	if !ok {
		return Edit{}, false
	}
	return Edit{Path: first.Path, StartLine: start, EndLine: end, Text: text}, true
}

// continues reports whether a line continues onto the next (it ends with
// the Dockerfile's escape character).
func (f *fixFile) continues(line string) bool {
	esc := `\`
	if f.dockerfile() != nil {
		esc = string(f.df.Escape)
	}
	return strings.HasSuffix(strings.TrimRight(line, " \t"), esc)
}

// dockerfile returns the file parsed as a Dockerfile, or nil.
func (f *fixFile) dockerfile() *dockerfile.File {
	if !f.dfTried {
		f.dfTried = true
		if df, err := dockerfile.Parse(f.path, []byte(strings.Join(f.lines, "\n")+"\n")); err == nil && len(df.Stages) > 0 {
			f.df = df
		}
	}
	return f.df
}

// mergePackages replaces the texts that add packages to the same install
// command of line n (the text AddPackages writes, recognized by writing it
// again) by one that adds all their packages, each once. The others are
// returned as they are, in order.
func (f *fixFile) mergePackages(n int, orig string, texts []string) ([]string, bool) {
	df := f.dockerfile()
	if df == nil {
		return texts, true
	}
	ins := df.InstructionAt(n)
	if ins == nil || ins.Cmd != "run" {
		return texts, true
	}
	installs := ins.Installs()
	var pkgs []string
	which, at := -1, -1
	var rest []string
	for _, t := range texts {
		k, added := addedPackages(ins, installs, n, orig, t, string(df.Escape))
		if k < 0 || which >= 0 && k != which {
			rest = append(rest, t)
			continue
		}
		which = k
		if at < 0 {
			at = len(rest)
		}
		for _, p := range added {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	if which < 0 {
		return texts, true
	}
	e, ok := ins.AddPackages(installs[which], pkgs...)
	if !ok || e.StartLine != n || e.EndLine != n {
		return nil, false
	}
	return slices.Insert(rest, at, e.Text), true
}

// addedPackages recognizes text as AddPackages' edit of line n adding
// packages to one of installs: it returns that install's index and the
// packages, or -1.
func addedPackages(ins *dockerfile.Instruction, installs []dockerfile.Install, n int, orig, text, esc string) (int, []string) {
	have := map[string]int{}
	for _, w := range strings.Fields(orig) {
		have[w]++
	}
	var added []string
	for _, w := range strings.Fields(text) {
		if have[w] > 0 {
			have[w]--
			continue
		}
		if w != esc && w != `\` {
			added = append(added, w)
		}
	}
	if len(added) == 0 {
		return -1, nil
	}
	for k, inst := range installs {
		if e, ok := ins.AddPackages(inst, added...); ok && e.StartLine == n && e.EndLine == n && e.Text == text {
			return k, added
		}
	}
	return -1, nil
}

// lineShape is an edit of one line seen as lines inserted before it (pre),
// the line itself, possibly changed (core), and lines inserted after it
// (post). glued is set when the post lines belong to a changed core (a
// continuation the core now ends with, a property after the comma it
// added): no other lines may come between.
type lineShape struct {
	pre, post []string
	core      string
	glued     bool
}

// shapeOf reads text, the replacement of the line orig, as a lineShape:
// the core is the line of text equal to orig, else the one most like it.
func shapeOf(orig, text string) lineShape {
	ls := strings.Split(text, "\n")
	best := slices.Index(ls, orig)
	if best < 0 {
		score := -1
		for i, l := range ls {
			if s := likeness(orig, l); s > score {
				best, score = i, s
			}
		}
	}
	sh := lineShape{pre: ls[:best], core: ls[best], post: ls[best+1:]}
	sh.glued = sh.core != orig && len(sh.post) > 0
	return sh
}

// likeness is how many leading and trailing bytes two lines share.
func likeness(a, b string) int {
	p := commonPrefix(a, b)
	return p + commonSuffix(a[p:], b[p:])
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// mergeLine combines replacements of the line orig (see ReconcileFixes):
// inserted lines before and after it are all kept, in order, a block
// already there once; changes of the line itself are combined when they
// touch different parts of it. cont is set when orig continues onto the
// next line: lines after it then continue it too, and only one edit may
// add them.
func mergeLine(orig string, texts []string, cont bool) (string, bool) {
	var pres, posts [][]string
	var cores []string
	var glued []string
	hasGlued := false
	for _, t := range texts {
		sh := shapeOf(orig, t)
		pres = append(pres, sh.pre)
		cores = append(cores, sh.core)
		// Lines after a line that continues belong to its instruction
		// (package names one per line): glued to it as well.
		switch {
		case len(sh.post) == 0:
		case (sh.glued || cont) && hasGlued && !slices.Equal(glued, sh.post):
			return "", false
		case sh.glued || cont:
			glued, hasGlued = sh.post, true
		default:
			posts = append(posts, sh.post)
		}
	}
	// A JSON property's trailing comma removed (CR216) while another fix
	// adds properties after it (CR205's `containerUser`): the comma the
	// object must lose is the last added line's, and the line keeps its
	// own, which now separates it from the next.
	lastComma := false
	if len(posts) > 0 && !cont {
		for k, c := range cores {
			if dropsTrailingComma(orig, c) {
				cores[k], lastComma = orig, true
			}
		}
	}
	core, ok := mergeCores(orig, cores)
	if !ok {
		return "", false
	}
	lines := mergeBlocks(pres)
	lines = append(lines, core)
	lines = append(lines, glued...)
	lines = append(lines, mergeBlocks(posts)...)
	if lastComma {
		last := strings.TrimRight(lines[len(lines)-1], " \t")
		lines[len(lines)-1] = strings.TrimSuffix(last, ",")
	}
	return strings.Join(lines, "\n"), true
}

// dropsTrailingComma reports whether core is orig without the comma that
// ends it.
func dropsTrailingComma(orig, core string) bool {
	o := strings.TrimRight(orig, " \t")
	return strings.HasSuffix(o, ",") && strings.TrimRight(core, " \t") == strings.TrimSuffix(o, ",")
}

// lineChange is a change of a line: bytes a..b replaced by text.
type lineChange struct {
	a, b int
	text string
}

// mergeCores combines changed versions of the line orig whose changes
// touch different bytes of it. Two insertions at one place combine when
// they are the same, or both add words (" curl", " git"): each word once.
func mergeCores(orig string, cores []string) (string, bool) {
	var changes []lineChange
	for _, c := range cores {
		if c == orig {
			continue
		}
		p := commonPrefix(orig, c)
		s := commonSuffix(orig[p:], c[p:])
		ch := lineChange{a: p, b: len(orig) - s, text: c[p : len(c)-s]}
		// An insertion slides left as far as it can ("curl " after "jq "
		// is " curl" after "jq"), so insertions at one word boundary meet.
		for ch.a == ch.b && ch.a > 0 && ch.text != "" && orig[ch.a-1] == ch.text[len(ch.text)-1] {
			ch.text = orig[ch.a-1:ch.a] + ch.text[:len(ch.text)-1]
			ch.a--
			ch.b--
		}
		merged := false
		for k, o := range changes {
			if o == ch {
				merged = true
				break
			}
			if o.a == o.b && ch.a == ch.b && o.a == ch.a {
				w, ok := mergeWords(o.text, ch.text)
				if !ok {
					return "", false
				}
				changes[k].text, merged = w, true
				break
			}
			if ch.a < o.b && o.a < ch.b || ch.a == ch.b && o.a < ch.a && ch.a < o.b || o.a == o.b && ch.a < o.a && o.a < ch.b {
				return "", false
			}
		}
		if !merged {
			changes = append(changes, ch)
		}
	}
	// Apply from the end so earlier offsets hold; at one offset an
	// insertion goes before a replacement that starts there.
	slices.SortStableFunc(changes, func(x, y lineChange) int {
		return cmp.Or(cmp.Compare(y.a, x.a), cmp.Compare(y.b, x.b))
	})
	out := orig
	for _, ch := range changes {
		out = out[:ch.a] + ch.text + out[ch.b:]
	}
	return out, true
}

// mergeWords combines two insertions of words at one place (" curl git"
// and " git jq" give " curl git jq").
func mergeWords(a, b string) (string, bool) {
	if a == b {
		return a, true
	}
	if !strings.HasPrefix(a, " ") || !strings.HasPrefix(b, " ") || strings.ContainsAny(a+b, "\n\\`") {
		return "", false
	}
	words := strings.Fields(a)
	for _, w := range strings.Fields(b) {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return " " + strings.Join(words, " "), true
}

// mergeBlocks joins blocks of inserted lines in order: a block whose lines
// are already there is left out, and a block that differs from one already
// there only in a `RUN <install>` line of the same package manager (the
// line InstallLine writes, alone or between USER lines) is merged into it:
// one install of every package.
func mergeBlocks(blocks [][]string) []string {
	var out []string
	for _, b := range blocks {
		if len(b) == 0 || containsRun(out, b) {
			continue
		}
		if m, ok := mergeInstallBlock(out, b); ok {
			out = m
			continue
		}
		out = append(out, b...)
	}
	return out
}

// containsRun reports whether block appears in lines as consecutive lines.
func containsRun(lines, block []string) bool {
	for i := 0; i+len(block) <= len(lines); i++ {
		if slices.Equal(lines[i:i+len(block)], block) {
			return true
		}
	}
	return false
}

// mergeInstallBlock merges block into lines when lines hold a run of lines
// equal to it but for one `RUN <install>` line of the same manager.
func mergeInstallBlock(lines, block []string) ([]string, bool) {
	for i := 0; i+len(block) <= len(lines); i++ {
		diff := -1
		for k := range block {
			if lines[i+k] == block[k] {
				continue
			}
			if diff >= 0 {
				diff = -2
				break
			}
			diff = k
		}
		if diff < 0 {
			continue
		}
		m1, p1, r1, ok1 := parseInstallRun(lines[i+diff])
		m2, p2, r2, ok2 := parseInstallRun(block[diff])
		if !ok1 || !ok2 || m1 != m2 || r1 != "" && r2 != "" && r1 != r2 {
			continue
		}
		// The packages join the install; what is chained after it (the
		// user's creation) stays after it.
		rest := r1 + r2
		if r1 == r2 {
			rest = r1
		}
		for _, p := range p2 {
			if !slices.Contains(p1, p) {
				p1 = append(p1, p)
			}
		}
		out := slices.Clone(lines)
		out[i+diff] = "RUN " + InstallLine(m1, p1...) + rest
		return out, true
	}
	return nil, false
}
